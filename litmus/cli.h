/* cli.h: the litmus command line, callable in-process (tests) or from main(). */
#ifndef MEMLAB_LITMUS_CLI_H
#define MEMLAB_LITMUS_CLI_H

/* Run the litmus command; returns its exit status (0 ok, 1 expectation failed, 2 error). */
int lt_main(int argc, char **argv);

#endif

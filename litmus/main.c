/* main.c: the litmus program; everything is in cli.c. */
#include "litmus/cli.h"

int main(int argc, char **argv)
{
    return lt_main(argc, argv);
}

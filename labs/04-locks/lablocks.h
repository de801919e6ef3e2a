/* lablocks.h: lab 04: the two locks a student writes, behind the library's interface (locks/lock.h). */
#ifndef MEMLAB_LAB04_LABLOCKS_H
#define MEMLAB_LAB04_LABLOCKS_H

#include "locks/lock.h"

/* lab_ticket.c: a FIFO ticket spinlock ("lab_ticket"). */
extern const struct lock_ops lab_ticket_ops;
/* lab_handoff.c: a FIFO futex mutex whose unlock hands the lock to the
 * oldest waiter ("lab_handoff"). */
extern const struct lock_ops lab_handoff_ops;

#endif

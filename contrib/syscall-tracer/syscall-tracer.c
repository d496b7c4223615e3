/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * syscall-tracer.c: when a wrapped call may be traced, and where the real
 * functions are.
 *
 * Three things keep the wrappers from tracing what they must not:
 * - Nothing is traced before this library's constructor has run, nor after
 *   its destructor. liblttng-ust, a dependency, is initialised before it;
 *   wrapped calls made earlier (by other libraries' constructors, or by
 *   lttng-ust's threads before their code is known) pass straight through.
 *   Whatever the order of the constructors inside this library, an event is
 *   only written once its probe is registered and a session enabled it:
 *   lttng_ust_tracepoint() checks that itself.
 * - lta_syscall_nesting, a per-thread depth, is raised while an event is
 *   being written, so the libc calls lttng-ust makes then (a wake-up write to
 *   the consumer, for instance) pass straight through instead of recursing.
 * - lttng-ust's own threads talk to the session daemon with connect(),
 *   sendmsg(), recvmsg(), poll(), open() and close(). LD_PRELOAD interposes
 *   those calls too. They are recognised by their caller: the constructor
 *   notes the code segments of every loaded liblttng-ust* library, and a call
 *   whose return address falls in one is passed through. This costs a few
 *   comparisons per call, and needs no cooperation from lttng-ust.
 *
 * No lock is taken anywhere, so fork() (with or without liblttng-ust-fork.so)
 * cannot leave one held in the child; the child inherits the state as is,
 * which stays valid.
 */

#include "syscall-tracer.h"

#include <dlfcn.h>
#include <link.h>
#include <stdint.h>
#include <string.h>

/* Enough for liblttng-ust, -common, -tracepoint, -fork, -fd and a spare. */
#define MAX_RANGES 32

struct code_range {
	uintptr_t start;
	uintptr_t end;
};

__thread int lta_syscall_nesting __attribute__((tls_model("initial-exec")));

/* Written by the constructor before `ready` is released, then read-only. */
static struct code_range lttng_ust_code[MAX_RANGES];
static unsigned int lttng_ust_code_count;
static int ready;

static bool is_lttng_ust_code(const void *caller)
{
	uintptr_t address = (uintptr_t)caller;
	unsigned int i;

	for (i = 0; i < lttng_ust_code_count; i++) {
		if (address >= lttng_ust_code[i].start &&
		    address < lttng_ust_code[i].end) {
			return true;
		}
	}
	return false;
}

bool lta_syscall_tracer_active(const void *caller)
{
	if (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE)) {
		return false;
	}
	if (lta_syscall_nesting) {
		return false;
	}
	return !is_lttng_ust_code(caller);
}

void *lta_syscall_tracer_resolve(void **slot, const char *name)
{
	void *real = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
	int saved_errno;

	if (real) {
		return real;
	}

	/*
	 * dlsym() may set errno (and dlerror state) when the symbol is
	 * missing; the wrapped call must not see either.
	 */
	saved_errno = errno;
	real = dlsym(RTLD_NEXT, name);
	if (real) {
		__atomic_store_n(slot, real, __ATOMIC_RELEASE);
	} else {
		(void)dlerror();
	}
	errno = saved_errno;
	return real;
}

/* dl_iterate_phdr() callback: notes the executable segments of lttng-ust. */
static int note_lttng_ust_object(struct dl_phdr_info *object, size_t size,
				 void *unused)
{
	const char *base;
	ElfW(Half) i;

	(void)size;
	(void)unused;
	if (!object->dlpi_name) {
		return 0;
	}
	base = strrchr(object->dlpi_name, '/');
	base = base ? base + 1 : object->dlpi_name;
	if (strncmp(base, "liblttng-ust", strlen("liblttng-ust")) != 0) {
		return 0;
	}
	for (i = 0; i < object->dlpi_phnum; i++) {
		const ElfW(Phdr) *segment = &object->dlpi_phdr[i];

		if (segment->p_type != PT_LOAD || !(segment->p_flags & PF_X)) {
			continue;
		}
		if (lttng_ust_code_count == MAX_RANGES) {
			/* Stop: calls from further segments get traced. */
			return 1;
		}
		lttng_ust_code[lttng_ust_code_count].start =
			object->dlpi_addr + segment->p_vaddr;
		lttng_ust_code[lttng_ust_code_count].end =
			object->dlpi_addr + segment->p_vaddr + segment->p_memsz;
		lttng_ust_code_count++;
	}
	return 0;
}

/* Notes lttng-ust's code, then lets the wrappers trace. */
static void __attribute__((constructor)) syscall_tracer_init(void)
{
	int saved_errno = errno;

	lttng_ust_code_count = 0;
	dl_iterate_phdr(note_lttng_ust_object, NULL);
	__atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
	errno = saved_errno;
}

/*
 * Stops tracing when the library is unloaded or the process exits: calls
 * made by later destructors pass straight through.
 */
static void __attribute__((destructor)) syscall_tracer_fini(void)
{
	__atomic_store_n(&ready, 0, __ATOMIC_RELEASE);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * sysmem tracepoints: the one file that instantiates the events of
 * sysmem_trace.h.
 */

#define CREATE_TRACE_POINTS
#include "sysmem_trace.h"

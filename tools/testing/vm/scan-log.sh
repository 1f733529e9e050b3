#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Scan a whole guest console log for kernel splats.  Prints each splat's
# first line and exits 1 if there is any.  Usage: scan-log.sh CONSOLE.LOG
set -u
log=$1
pattern='BUG:|WARNING:|Oops|general protection fault|kernel BUG at'
pattern+='|KASAN:|UBSAN:|possible circular locking|possible recursive locking'
pattern+='|inconsistent lock state|lock held when returning|INFO: task .* blocked for more than'
pattern+='|suspected memory leak|unreferenced object|Kernel panic|rcu_.*self-detected stall'
pattern+='|RCU detected stall|soft lockup|hard LOCKUP|list_add corruption|list_del corruption'
pattern+='|refcount_t:|Call Trace:'
# sysmem's own log lines quote names that userspace chose (escaped, so
# each stays on its line): a name saying "WARNING:" is not a splat.
hits=$(tr -d '\r' <"$log" | grep -nE "$pattern" |
	grep -vE '^[0-9]+:(\[[ 0-9.]+\] )?sysmem: ')
if [ -n "$hits" ]; then
	echo "$hits" | head -n 20
	echo "kernel splat in $log"
	exit 1
fi
exit 0

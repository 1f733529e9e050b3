#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# "make run", inside the test VM: a real pipeline.  vivid (the kernel's
# virtual video driver) is the camera; a display-like participant and a
# CPU reader run in processes of their own (tools/sysmem/examples/
# v4l2-pipeline.c, the example of Documentation/sysmem/v4l2.rst).  The
# captured frame lands in /out/frame.png, which the host finds in
# build/demo/.
heaps=/sys/kernel/debug/sysmem/heaps

echo "=== sysmem demonstration on $(uname -sr) ==="
cat <<'TXT'
sysmem negotiates shared buffers between the participants of a media
pipeline and allocates them once.  Here three processes take part:

  camera   vivid's capture node: offers every format it can capture
           that sysmem knows, with V4L2's bytesperline and buffer count
  display  scans out XRGB8888 or NV12, rows on 256-byte boundaries
  reader   the CPU: reads a frame and writes it as a PNG

Each states its constraints; sysmem picks one format, pitch, plane
layout, buffer count and heap that suit all three, allocates the
buffers, and gives each participant dma-buf fds.  vivid captures into
them with V4L2_MEMORY_DMABUF: no copy, no buffer of vivid's own.
TXT
echo
echo "\$ sysmemctl info"
sysmemctl info
echo
echo "The heaps before (live buffers, bytes, peak, failures, cap):"
cat $heaps
echo
echo "\$ v4l2-pipeline -o /out/frame.png -c"
v4l2-pipeline -o /out/frame.png -c
rc=$?
echo
# The buffers go back once the last fd, mapping and vivid's reference
# are gone; dma-buf release may run a moment after the last close().
i=0
while grep -q 'buffers=[1-9]' $heaps && [ $i -lt 20 ]; do
	sleep 0.1
	i=$((i + 1))
done
echo "The heaps after: every buffer is back (buffers=0 bytes=0; peak shows what it used):"
cat $heaps
echo
echo "\$ sysmemctl collections    # none left"
sysmemctl collections
echo
echo "What sysmem logged:"
dmesg | grep 'sysmem:' | grep -v -e 'loading out-of-tree' -e 'taints kernel' | tail -n 5
echo
echo "=== end of demonstration ==="
exit $rc

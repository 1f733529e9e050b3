/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Build-time checks of the uapi's layout: every structure of
 * <uapi/linux/sysmem.h> has the same size and field offsets on 32-bit and
 * 64-bit ABIs, so the module needs no compat translation.  The numbers
 * are written out, so a field added, moved or resized anywhere fails the
 * build of sysmem.ko, of libsysmem (64-bit and -m32) and of the host
 * tests until this file is updated with the ABI version.  Included once,
 * by lib/sysmem_constraints.c.
 */
#ifndef _SYSMEM_LIB_UAPI_LAYOUT_H
#define _SYSMEM_LIB_UAPI_LAYOUT_H

#include "sysmem_compat.h"
#include "sysmem_constraints.h"

#define SYSMEM_UAPI_SIZE(s, size) \
	static_assert(sizeof(struct s) == (size), #s " changed size")
#define SYSMEM_UAPI_OFFSET(s, f, off) \
	static_assert(offsetof(struct s, f) == (off), #s "." #f " moved")

static_assert(SYSMEM_ABI_MAJOR == 0 && SYSMEM_ABI_MINOR == 8,
	      "new ABI version: check the layout below");

SYSMEM_UAPI_SIZE(sysmem_version, 8);
SYSMEM_UAPI_OFFSET(sysmem_version, major, 0);
SYSMEM_UAPI_OFFSET(sysmem_version, minor, 4);

SYSMEM_UAPI_SIZE(sysmem_heap_name, 32);
SYSMEM_UAPI_OFFSET(sysmem_heap_name, name, 0);

SYSMEM_UAPI_SIZE(sysmem_size, 8);
SYSMEM_UAPI_OFFSET(sysmem_size, width, 0);
SYSMEM_UAPI_OFFSET(sysmem_size, height, 4);

SYSMEM_UAPI_SIZE(sysmem_format_pair, 16);
SYSMEM_UAPI_OFFSET(sysmem_format_pair, format, 0);
SYSMEM_UAPI_OFFSET(sysmem_format_pair, reserved, 4);
SYSMEM_UAPI_OFFSET(sysmem_format_pair, modifier, 8);

SYSMEM_UAPI_SIZE(sysmem_image_constraints, 944);
SYSMEM_UAPI_OFFSET(sysmem_image_constraints, flags, 0);
SYSMEM_UAPI_OFFSET(sysmem_image_constraints, nr_formats, 4);
SYSMEM_UAPI_OFFSET(sysmem_image_constraints, formats, 8);
SYSMEM_UAPI_OFFSET(sysmem_image_constraints, nr_color_spaces, 264);
SYSMEM_UAPI_OFFSET(sysmem_image_constraints, color_spaces, 268);
SYSMEM_UAPI_OFFSET(sysmem_image_constraints, min_size, 332);
SYSMEM_UAPI_OFFSET(sysmem_image_constraints, max_size, 340);
SYSMEM_UAPI_OFFSET(sysmem_image_constraints, min_bytes_per_row, 348);
SYSMEM_UAPI_OFFSET(sysmem_image_constraints, max_bytes_per_row, 352);
SYSMEM_UAPI_OFFSET(sysmem_image_constraints, size_alignment, 356);
SYSMEM_UAPI_OFFSET(sysmem_image_constraints, display_rect_alignment, 364);
SYSMEM_UAPI_OFFSET(sysmem_image_constraints, required_min_size, 372);
SYSMEM_UAPI_OFFSET(sysmem_image_constraints, required_max_size, 380);
SYSMEM_UAPI_OFFSET(sysmem_image_constraints, pad_for_block_size, 388);
SYSMEM_UAPI_OFFSET(sysmem_image_constraints, nr_required_max_sizes, 396);
SYSMEM_UAPI_OFFSET(sysmem_image_constraints, bytes_per_row_divisor, 400);
SYSMEM_UAPI_OFFSET(sysmem_image_constraints, start_offset_divisor, 404);
SYSMEM_UAPI_OFFSET(sysmem_image_constraints, max_width_times_height, 408);
SYSMEM_UAPI_OFFSET(sysmem_image_constraints, pad_beyond_image_size_bytes, 416);
SYSMEM_UAPI_OFFSET(sysmem_image_constraints, reserved, 424);
SYSMEM_UAPI_OFFSET(sysmem_image_constraints, required_max_sizes, 432);

SYSMEM_UAPI_SIZE(sysmem_buffer_constraints, 96);
SYSMEM_UAPI_OFFSET(sysmem_buffer_constraints, usage, 0);
SYSMEM_UAPI_OFFSET(sysmem_buffer_constraints, flags, 8);
SYSMEM_UAPI_OFFSET(sysmem_buffer_constraints, min_buffer_count_for_camping, 12);
SYSMEM_UAPI_OFFSET(sysmem_buffer_constraints, min_buffer_count_for_dedicated_slack, 16);
SYSMEM_UAPI_OFFSET(sysmem_buffer_constraints, min_buffer_count_for_shared_slack, 20);
SYSMEM_UAPI_OFFSET(sysmem_buffer_constraints, min_buffer_count, 24);
SYSMEM_UAPI_OFFSET(sysmem_buffer_constraints, max_buffer_count, 28);
SYSMEM_UAPI_OFFSET(sysmem_buffer_constraints, min_size_bytes, 32);
SYSMEM_UAPI_OFFSET(sysmem_buffer_constraints, max_size_bytes, 40);
SYSMEM_UAPI_OFFSET(sysmem_buffer_constraints, coherency_domains, 48);
SYSMEM_UAPI_OFFSET(sysmem_buffer_constraints, heap_count, 52);
SYSMEM_UAPI_OFFSET(sysmem_buffer_constraints, heaps, 56);
SYSMEM_UAPI_OFFSET(sysmem_buffer_constraints, image_formats, 64);
SYSMEM_UAPI_OFFSET(sysmem_buffer_constraints, image_format_count, 72);
SYSMEM_UAPI_OFFSET(sysmem_buffer_constraints, reserved, 76);
SYSMEM_UAPI_OFFSET(sysmem_buffer_constraints, min_physical_base_alignment, 80);
SYSMEM_UAPI_OFFSET(sysmem_buffer_constraints, max_physical_address, 88);

SYSMEM_UAPI_SIZE(sysmem_plane, 16);
SYSMEM_UAPI_OFFSET(sysmem_plane, offset, 0);
SYSMEM_UAPI_OFFSET(sysmem_plane, bytes_per_row, 8);
SYSMEM_UAPI_OFFSET(sysmem_plane, reserved, 12);

SYSMEM_UAPI_SIZE(sysmem_image_format, 176);
SYSMEM_UAPI_OFFSET(sysmem_image_format, format, 0);
SYSMEM_UAPI_OFFSET(sysmem_image_format, color_space, 4);
SYSMEM_UAPI_OFFSET(sysmem_image_format, modifier, 8);
SYSMEM_UAPI_OFFSET(sysmem_image_format, size, 16);
SYSMEM_UAPI_OFFSET(sysmem_image_format, bytes_per_row, 24);
SYSMEM_UAPI_OFFSET(sysmem_image_format, nr_planes, 28);
SYSMEM_UAPI_OFFSET(sysmem_image_format, planes, 32);
SYSMEM_UAPI_OFFSET(sysmem_image_format, image_size, 96);
SYSMEM_UAPI_OFFSET(sysmem_image_format, min_size, 104);
SYSMEM_UAPI_OFFSET(sysmem_image_format, max_size, 112);
SYSMEM_UAPI_OFFSET(sysmem_image_format, size_alignment, 120);
SYSMEM_UAPI_OFFSET(sysmem_image_format, display_rect_alignment, 128);
SYSMEM_UAPI_OFFSET(sysmem_image_format, min_bytes_per_row, 136);
SYSMEM_UAPI_OFFSET(sysmem_image_format, max_bytes_per_row, 140);
SYSMEM_UAPI_OFFSET(sysmem_image_format, bytes_per_row_divisor, 144);
SYSMEM_UAPI_OFFSET(sysmem_image_format, start_offset_divisor, 148);
SYSMEM_UAPI_OFFSET(sysmem_image_format, flags, 152);
SYSMEM_UAPI_OFFSET(sysmem_image_format, reserved, 156);
SYSMEM_UAPI_OFFSET(sysmem_image_format, pad_for_block_size, 160);
SYSMEM_UAPI_OFFSET(sysmem_image_format, pad_beyond_image_size_bytes, 168);

SYSMEM_UAPI_SIZE(sysmem_buffer_settings, 256);
SYSMEM_UAPI_OFFSET(sysmem_buffer_settings, size_bytes, 0);
SYSMEM_UAPI_OFFSET(sysmem_buffer_settings, buffer_count, 8);
SYSMEM_UAPI_OFFSET(sysmem_buffer_settings, coherency_domain, 12);
SYSMEM_UAPI_OFFSET(sysmem_buffer_settings, flags, 16);
SYSMEM_UAPI_OFFSET(sysmem_buffer_settings, reserved, 20);
SYSMEM_UAPI_OFFSET(sysmem_buffer_settings, usage, 24);
SYSMEM_UAPI_OFFSET(sysmem_buffer_settings, heap, 32);
SYSMEM_UAPI_OFFSET(sysmem_buffer_settings, image, 64);
SYSMEM_UAPI_OFFSET(sysmem_buffer_settings, min_physical_base_alignment, 240);
SYSMEM_UAPI_OFFSET(sysmem_buffer_settings, max_physical_address, 248);

SYSMEM_UAPI_SIZE(sysmem_debug_info, 72);
SYSMEM_UAPI_OFFSET(sysmem_debug_info, name, 0);
SYSMEM_UAPI_OFFSET(sysmem_debug_info, id, 64);

SYSMEM_UAPI_SIZE(sysmem_new_node, 8);
SYSMEM_UAPI_OFFSET(sysmem_new_node, flags, 0);
SYSMEM_UAPI_OFFSET(sysmem_new_node, fd, 4);

SYSMEM_UAPI_SIZE(sysmem_bind, 16);
SYSMEM_UAPI_OFFSET(sysmem_bind, token_fd, 0);
SYSMEM_UAPI_OFFSET(sysmem_bind, flags, 4);
SYSMEM_UAPI_OFFSET(sysmem_bind, collection_fd, 8);
SYSMEM_UAPI_OFFSET(sysmem_bind, reserved, 12);

SYSMEM_UAPI_SIZE(sysmem_buffer_info, 16);
SYSMEM_UAPI_OFFSET(sysmem_buffer_info, dmabuf_fd, 0);
SYSMEM_UAPI_OFFSET(sysmem_buffer_info, buffer_index, 4);
SYSMEM_UAPI_OFFSET(sysmem_buffer_info, collection_id, 8);

SYSMEM_UAPI_SIZE(sysmem_set_name, 72);
SYSMEM_UAPI_OFFSET(sysmem_set_name, priority, 0);
SYSMEM_UAPI_OFFSET(sysmem_set_name, reserved, 4);
SYSMEM_UAPI_OFFSET(sysmem_set_name, name, 8);

SYSMEM_UAPI_SIZE(sysmem_collection_id, 8);
SYSMEM_UAPI_OFFSET(sysmem_collection_id, id, 0);

SYSMEM_UAPI_SIZE(sysmem_duplicate, 16);
SYSMEM_UAPI_OFFSET(sysmem_duplicate, rights_mask, 0);
SYSMEM_UAPI_OFFSET(sysmem_duplicate, flags, 4);
SYSMEM_UAPI_OFFSET(sysmem_duplicate, fd, 8);
SYSMEM_UAPI_OFFSET(sysmem_duplicate, reserved, 12);

SYSMEM_UAPI_SIZE(sysmem_duplicate_many, 24);
SYSMEM_UAPI_OFFSET(sysmem_duplicate_many, rights_masks, 0);
SYSMEM_UAPI_OFFSET(sysmem_duplicate_many, fds, 8);
SYSMEM_UAPI_OFFSET(sysmem_duplicate_many, count, 16);
SYSMEM_UAPI_OFFSET(sysmem_duplicate_many, flags, 20);

SYSMEM_UAPI_SIZE(sysmem_wait, 8);
SYSMEM_UAPI_OFFSET(sysmem_wait, timeout_ns, 0);

SYSMEM_UAPI_SIZE(sysmem_check, 8);
SYSMEM_UAPI_OFFSET(sysmem_check, state, 0);
SYSMEM_UAPI_OFFSET(sysmem_check, reason, 4);

SYSMEM_UAPI_SIZE(sysmem_result, 64);
SYSMEM_UAPI_OFFSET(sysmem_result, settings, 0);
SYSMEM_UAPI_OFFSET(sysmem_result, settings_size, 8);
SYSMEM_UAPI_OFFSET(sysmem_result, fd_capacity, 12);
SYSMEM_UAPI_OFFSET(sysmem_result, fds, 16);
SYSMEM_UAPI_OFFSET(sysmem_result, buffer_count, 24);
SYSMEM_UAPI_OFFSET(sysmem_result, fd_count, 28);
SYSMEM_UAPI_OFFSET(sysmem_result, collection_id, 32);
SYSMEM_UAPI_OFFSET(sysmem_result, flags, 40);
SYSMEM_UAPI_OFFSET(sysmem_result, reserved, 44);
SYSMEM_UAPI_OFFSET(sysmem_result, close_weak_fds, 48);
SYSMEM_UAPI_OFFSET(sysmem_result, result_flags, 56);
SYSMEM_UAPI_OFFSET(sysmem_result, reserved2, 60);

SYSMEM_UAPI_SIZE(sysmem_weak_ok, 8);
SYSMEM_UAPI_OFFSET(sysmem_weak_ok, flags, 0);
SYSMEM_UAPI_OFFSET(sysmem_weak_ok, reserved, 4);

SYSMEM_UAPI_SIZE(sysmem_debug_timeout, 16);
SYSMEM_UAPI_OFFSET(sysmem_debug_timeout, deadline_ns, 0);
SYSMEM_UAPI_OFFSET(sysmem_debug_timeout, flags, 8);
SYSMEM_UAPI_OFFSET(sysmem_debug_timeout, reserved, 12);
SYSMEM_UAPI_SIZE(sysmem_max_total, 16);
SYSMEM_UAPI_OFFSET(sysmem_max_total, max_total_bytes, 0);
SYSMEM_UAPI_OFFSET(sysmem_max_total, flags, 8);
SYSMEM_UAPI_OFFSET(sysmem_max_total, reserved, 12);

SYSMEM_UAPI_SIZE(sysmem_lifetime_tracking, 16);
SYSMEM_UAPI_OFFSET(sysmem_lifetime_tracking, buffers_remaining, 0);
SYSMEM_UAPI_OFFSET(sysmem_lifetime_tracking, flags, 4);
SYSMEM_UAPI_OFFSET(sysmem_lifetime_tracking, fd, 8);
SYSMEM_UAPI_OFFSET(sysmem_lifetime_tracking, reserved, 12);

SYSMEM_UAPI_SIZE(sysmem_is_alternate, 16);
SYSMEM_UAPI_OFFSET(sysmem_is_alternate, ref_fd, 0);
SYSMEM_UAPI_OFFSET(sysmem_is_alternate, flags, 4);
SYSMEM_UAPI_OFFSET(sysmem_is_alternate, is_alternate, 8);
SYSMEM_UAPI_OFFSET(sysmem_is_alternate, reserved, 12);

#endif /* _SYSMEM_LIB_UAPI_LAYOUT_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * sysmem: its own device, for the DMA API.  The contiguous heap
 * allocates on it, and sysmem maps new buffers on it to write the CPU
 * caches back.  Below every heap; calls nothing of sysmem's.
 */

#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/platform_device.h>

#include "sysmem_internal.h"

static struct platform_device *sysmem_pdev;

/**
 * sysmem_dma_device() - the device sysmem uses the DMA API on
 *
 * Return: the device (64-bit DMA mask), valid while the module is loaded.
 */
struct device *sysmem_dma_device(void)
{
	return &sysmem_pdev->dev;
}

/**
 * sysmem_dma_device_init() - register sysmem's device
 *
 * Context: module init, before any heap.
 * Return: 0 or -errno.
 */
int sysmem_dma_device_init(void)
{
	int ret;

	sysmem_pdev = platform_device_register_simple("sysmem",
						      PLATFORM_DEVID_NONE,
						      NULL, 0);
	if (IS_ERR(sysmem_pdev))
		return PTR_ERR(sysmem_pdev);
	ret = dma_coerce_mask_and_coherent(&sysmem_pdev->dev,
					   DMA_BIT_MASK(64));
	if (ret) {
		platform_device_unregister(sysmem_pdev);
		return ret;
	}
	/*
	 * Cannot fail for a platform device, which always has DMA
	 * parameters (and returns nothing from Linux 6.12 on).
	 */
	dma_set_max_seg_size(&sysmem_pdev->dev, UINT_MAX & PAGE_MASK);
	return 0;
}

/**
 * sysmem_dma_device_exit() - unregister sysmem's device
 *
 * Context: module exit or failed init, after every heap is gone.
 */
void sysmem_dma_device_exit(void)
{
	platform_device_unregister(sysmem_pdev);
}

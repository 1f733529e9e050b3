// SPDX-License-Identifier: GPL-2.0
/*
 * sysmem: its own devices, for the DMA API.  The contiguous heap
 * allocates on them (on the 32-bit one for buffers that must lie below
 * 4 GiB), and sysmem maps new buffers on the 64-bit one to write the CPU
 * caches back, where that device needs it (see sysmem_dma_coherent()).
 * Below every heap; calls nothing of sysmem's.
 */

#include <linux/debugfs.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/platform_device.h>

#include "sysmem_internal.h"

static struct platform_device *sysmem_pdev;
static struct platform_device *sysmem_pdev32;

/* What the DMA API answered at init for sysmem's 64-bit device. */
static bool sysmem_dma_need_sync;
/*
 * Test knob (debugfs dma_noncoherent): treat sysmem's device as if it
 * needed the syncs, so that the flush path runs on coherent machines.
 */
static bool sysmem_dma_test_noncoherent;

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
 * sysmem_dma32_device() - sysmem's device with a 32-bit DMA mask
 *
 * The DMA API places what it allocates for this device below 4 GiB.
 *
 * Return: the device, valid while the module is loaded.
 */
struct device *sysmem_dma32_device(void)
{
	return &sysmem_pdev32->dev;
}

/**
 * sysmem_ram_limit() - the highest physical address RAM may have
 *
 * Return: an all-ones mask at or above the last byte of RAM; a buffer
 * needs no special placement to lie at or below it.
 */
u64 sysmem_ram_limit(void)
{
	return dma_get_required_mask(sysmem_dma_device());
}

/**
 * sysmem_dma_coherent() - whether CPU writes reach sysmem's device unaided
 *
 * True when the DMA API said at init that mappings for sysmem's 64-bit
 * device need no dma_sync_*() calls to hand memory over
 * (dma_need_sync(), Documentation/core-api/dma-api.rst): mapping and
 * unmapping a buffer for it then maintains no cache, so a new buffer
 * needs no flush round trip.  False while the debugfs test knob
 * dma_noncoherent is set.
 *
 * Return: whether a flush round trip on the device would be a no-op.
 */
bool sysmem_dma_coherent(void)
{
	return !sysmem_dma_need_sync && !READ_ONCE(sysmem_dma_test_noncoherent);
}

/*
 * Ask the DMA API whether streaming mappings for @dev need syncs, with
 * one page mapped towards the device; the answer of the documented
 * driver interface (dma_need_sync() takes an address: an address that
 * is bounced, through swiotlb, needs them even on a coherent machine,
 * and a device whose mappings are all bounced bounces this one too).
 * Any failure answers "needs them", which keeps every flush.
 */
static bool sysmem_dma_probe_need_sync(struct device *dev)
{
	struct page *page;
	dma_addr_t addr;
	bool need = true;

	page = alloc_page(GFP_KERNEL);
	if (!page)
		return true;
	addr = dma_map_page(dev, page, 0, PAGE_SIZE, DMA_TO_DEVICE);
	if (!dma_mapping_error(dev, addr)) {
		need = dma_need_sync(dev, addr);
		dma_unmap_page(dev, addr, PAGE_SIZE, DMA_TO_DEVICE);
	}
	__free_page(page);
	return need;
}

/**
 * sysmem_dma_debugfs_init() - the dma_noncoherent test knob in debugfs
 * @debugfs: sysmem's debugfs directory
 *
 * debugfs problems are not fatal.
 */
void sysmem_dma_debugfs_init(struct dentry *debugfs)
{
	debugfs_create_bool("dma_noncoherent", 0600, debugfs,
			    &sysmem_dma_test_noncoherent);
}

/* Register one platform device with the DMA mask @mask. */
static struct platform_device *sysmem_pdev_register(const char *name,
						    u64 mask)
{
	struct platform_device *pdev;
	int ret;

	pdev = platform_device_register_simple(name, PLATFORM_DEVID_NONE,
					       NULL, 0);
	if (IS_ERR(pdev))
		return pdev;
	ret = dma_coerce_mask_and_coherent(&pdev->dev, mask);
	if (ret) {
		platform_device_unregister(pdev);
		return ERR_PTR(ret);
	}
	/*
	 * Cannot fail for a platform device, which always has DMA
	 * parameters (and returns nothing from Linux 6.12 on).
	 */
	dma_set_max_seg_size(&pdev->dev, UINT_MAX & PAGE_MASK);
	return pdev;
}

/**
 * sysmem_dma_device_init() - register sysmem's devices
 *
 * Context: module init, before any heap.
 * Return: 0 or -errno.
 */
int sysmem_dma_device_init(void)
{
	sysmem_pdev = sysmem_pdev_register("sysmem", DMA_BIT_MASK(64));
	if (IS_ERR(sysmem_pdev))
		return PTR_ERR(sysmem_pdev);
	sysmem_pdev32 = sysmem_pdev_register("sysmem-dma32", DMA_BIT_MASK(32));
	if (IS_ERR(sysmem_pdev32)) {
		platform_device_unregister(sysmem_pdev);
		return PTR_ERR(sysmem_pdev32);
	}
	sysmem_dma_need_sync = sysmem_dma_probe_need_sync(sysmem_dma_device());
	return 0;
}

/**
 * sysmem_dma_device_exit() - unregister sysmem's devices
 *
 * Context: module exit or failed init, after every heap is gone.
 */
void sysmem_dma_device_exit(void)
{
	platform_device_unregister(sysmem_pdev32);
	platform_device_unregister(sysmem_pdev);
}

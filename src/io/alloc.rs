//! The program's allocator: the system's, except for large page-aligned
//! blocks, which are mapped fresh from the kernel.
//!
//! Why (issue 24): polars keeps one 8 MB zeroed buffer, made on first use,
//! which every all-null Parquet column and every CSV header uses (a
//! serverless platform's `instances_*` columns in `timeseries.parquet`). It
//! asks for it page-aligned and zeroed; the standard library's system
//! allocator gets page-aligned memory from `posix_memalign` and then writes
//! its 8 MB of zeros itself, taking a page fault for each of its 2,048
//! pages: 2 to 3 ms of every run's tail, on the path the charts wait for.
//! Memory freshly mapped from the kernel is zero already, and a page that is
//! only read costs nothing until then.
//!
//! [`tune`] sets how glibc's allocator gives memory back: see its text.

use std::alloc::{GlobalAlloc, Layout, System};

/// Blocks from this size up are mapped on their own by glibc's `malloc`
/// (and unmapped when freed); smaller ones come from its heaps.
const MALLOC_MAPS_FROM: i32 = 1 << 20;
/// Free memory at the top of a heap is given back to the kernel only past
/// this much.
const MALLOC_KEEPS_FREE: i32 = 8 << 20;

/// Sets glibc's allocator to keep up to 8 MiB free at the top of each heap
/// and to map only blocks of 1 MiB and more on their own (its defaults:
/// 128 KiB for both, each raised as large blocks are freed, the trimming
/// to twice the mapping size).
///
/// Why (issue 24): the task records' writer builds each row group's
/// columns (about 5 MB for 65,536 rows), hands them to the Parquet
/// encoder and frees them, and the default gave most of that memory back
/// at once, so the next row group took a page fault for every 4 KB again:
/// 5,600 faults a 1 M-task run, 5 ms of the writer's core, which the run
/// with `tasks.parquet` waits for. Kept instead, the peak grows by 3 MB
/// there; a setting of 32 MiB for both gained the same and raised the
/// Alibaba 2017 starter's peak from 275 to 382 MB, this one lowered it to
/// 267 MB.
///
/// Call it first, before other threads start. Elsewhere than glibc this
/// does nothing.
pub fn tune() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `mallopt` sets two of the allocator's parameters; it is
    // called before any other thread allocates.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MALLOC_MAPS_FROM);
        libc::mallopt(libc::M_TRIM_THRESHOLD, MALLOC_KEEPS_FREE);
    }
}

/// The page size that `mmap` aligns to.
const PAGE: usize = 4096;
/// The smallest block that is mapped on its own.
const MAPPED_FROM: usize = 1 << 20;

/// The system allocator, with blocks of at least 1 MiB aligned to a page
/// mapped with `mmap` (see the module's text).
pub struct Allocator;

/// Whether a block of `layout` is mapped on its own. Only the alignment
/// `mmap` gives, so that every other block is the system allocator's;
/// none where there is no `mmap`.
#[inline]
fn mapped(layout: &Layout) -> bool {
    cfg!(unix) && layout.align() == PAGE && layout.size() >= MAPPED_FROM
}

/// `size` bytes of fresh zeroed pages, or null (always null where there is
/// no `mmap`; [`mapped`] sends no block here then).
fn map(size: usize) -> *mut u8 {
    #[cfg(unix)]
    {
        // SAFETY: an anonymous private mapping at an address the kernel
        // picks touches no memory of ours.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                size,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if p != libc::MAP_FAILED {
            return p.cast();
        }
    }
    let _ = size;
    std::ptr::null_mut()
}

/// Gives back a mapping made by [`map`].
///
/// # Safety
/// `ptr` is a mapping of `size` bytes that [`map`] made.
unsafe fn unmap(ptr: *mut u8, size: usize) {
    #[cfg(unix)]
    // SAFETY: as the caller promises.
    unsafe {
        libc::munmap(ptr.cast(), size)
    };
    let _ = (ptr, size);
}

// SAFETY: each method hands a block of `layout` to the system allocator or
// to `mmap`/`munmap` by the same test of the layout, so a block goes back to
// where it came from; a mapping is page-aligned, which is all `mapped`
// accepts.
unsafe impl GlobalAlloc for Allocator {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if mapped(&layout) {
            map(layout.size())
        } else {
            // SAFETY: the caller's promises about `layout` carry over.
            unsafe { System.alloc(layout) }
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if mapped(&layout) {
            map(layout.size())
        } else {
            // SAFETY: as for `alloc`.
            unsafe { System.alloc_zeroed(layout) }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if mapped(&layout) {
            // SAFETY: `ptr` is a mapping of `layout.size()` bytes made by
            // `map` (the same layout was mapped).
            unsafe { unmap(ptr, layout.size()) };
        } else {
            // SAFETY: the system allocator gave `ptr` for `layout`.
            unsafe { System.dealloc(ptr, layout) }
        }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller promises `new_size`, rounded up to the
        // alignment, does not overflow.
        let new = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        if !mapped(&layout) && !mapped(&new) {
            // SAFETY: the system allocator gave `ptr` for `layout`.
            return unsafe { System.realloc(ptr, layout, new_size) };
        }
        // SAFETY: a fresh block, the old one's bytes copied, the old one
        // given back where it came from.
        unsafe {
            let p = self.alloc(new);
            if !p.is_null() {
                std::ptr::copy_nonoverlapping(ptr, p, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
            p
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_page_aligned_blocks_are_zero_and_the_rest_behave_as_before() {
        let a = Allocator;
        for (size, align) in [
            (MAPPED_FROM, PAGE),
            (8 << 20, PAGE),
            (MAPPED_FROM - 1, PAGE),
            (MAPPED_FROM, 64),
            (100, 8),
        ] {
            let layout = Layout::from_size_align(size, align).unwrap();
            // SAFETY: a non-zero size; every block is freed with its layout.
            unsafe {
                let p = a.alloc_zeroed(layout);
                assert!(!p.is_null());
                assert_eq!(p as usize % align, 0);
                let bytes = std::slice::from_raw_parts_mut(p, size);
                assert!(bytes.iter().all(|&b| b == 0), "{size} bytes at {align}");
                bytes[0] = 1;
                bytes[size - 1] = 2;
                // Grown across the boundary and back: the bytes move with it.
                let q = a.realloc(p, layout, 2 * size);
                assert!(!q.is_null());
                assert_eq!((*q, *q.add(size - 1)), (1, 2));
                let grown = Layout::from_size_align(2 * size, align).unwrap();
                let r = a.realloc(q, grown, size / 2);
                assert_eq!(*r, 1);
                a.dealloc(r, Layout::from_size_align(size / 2, align).unwrap());
                let plain = a.alloc(layout);
                assert_eq!(plain as usize % align, 0);
                *plain.add(size - 1) = 3;
                a.dealloc(plain, layout);
            }
        }
    }
}

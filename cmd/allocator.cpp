// The eddy binary allocates with jemalloc (Debian's libjemalloc), configured
// here, at link time, to back its memory with transparent huge pages.
//
// Why: keyed state grows by many small allocations, and every fresh 4 KiB page
// costs a page fault. Debian sets THP to "madvise", so only memory that asks
// gets huge pages; glibc's malloc does not ask for the arenas of its worker
// threads (glibc.malloc.hugetlb=1 left AnonHugePages at 0). jemalloc with
// thp:always does: a Nexmark q20 run at 1 M events takes about 4,000 page
// faults, against 77,000 with MALLOC_CONF=thp:default (docs/joins.md).
// MALLOC_CONF in the environment still overrides these settings.
#ifdef EDDY_JEMALLOC
extern "C" {
// Read by jemalloc when it initializes, before main().
extern const char* malloc_conf;
const char* malloc_conf = "thp:always,metadata_thp:auto";
}
#endif

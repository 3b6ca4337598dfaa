// The eddy binary allocates with jemalloc (Debian's libjemalloc), configured
// here, at link time, to back its memory with transparent huge pages.
//
// Why: keyed state grows by many small allocations, and every fresh 4 KiB page
// costs a page fault. Debian sets THP to "madvise", so only memory that asks
// gets huge pages; glibc's malloc does not ask for the arenas of its worker
// threads (glibc.malloc.hugetlb=1 left AnonHugePages at 0). jemalloc with
// thp:always does: a Nexmark q20 run at 1 M events went from 76,000 to 4,100
// page faults and from 1.8 to 1.4 CPU-s (docs/joins.md has the figures).
// MALLOC_CONF in the environment still overrides these settings.
#ifdef EDDY_JEMALLOC
extern "C" {
// Read by jemalloc when it initializes, before main().
extern const char* malloc_conf;
const char* malloc_conf = "thp:always,metadata_thp:auto";
}
#endif

/* forkcow.c: fork() shares memory copy-on-write: count the pages a "serving" parent copies while its child writes a snapshot.
 *
 * The parent fills a region (the "database"), then forks.  The child is the
 * snapshot writer: it reads the whole region (here: a checksum instead of a
 * write to disk) and must see the contents as they were at fork time.  The
 * parent keeps serving: it changes every K-th page.  Each first write to a
 * shared page faults, and the kernel copies that one page for the writer:
 * the copies are counted twice, as the parent's minor page faults and as
 * Private_Dirty in its /proc/self/smaps entry for the region (pages still
 * shared with the child show as Shared_Dirty).  Transparent huge pages are
 * turned off for the region (MADV_NOHUGEPAGE): with them, one write copies
 * 2 MiB, which is why databases that snapshot by fork advise disabling THP.
 *
 * Usage: forkcow [--mib N] [--every K]     (defaults: 64 MiB, every 4th page)
 * Exit status 0 when the child's snapshot matched the fork-time contents
 * and the region's Private_Dirty equals the pages the parent wrote.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static long page_size;

static uint64_t checksum(const unsigned char *p, size_t len)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a over one byte per 64 */
    for (size_t i = 0; i < len; i += 64)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

static long minor_faults(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_minflt;
}

/* Private_Dirty and Shared_Dirty (kB) of the mapping that starts at addr. */
static bool smaps_dirty(const void *addr, long *priv_kb, long *shared_kb)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    if (!f)
        return false;
    char line[512];
    bool in = false, found = false;
    *priv_kb = *shared_kb = -1;
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) {
            in = lo == (unsigned long)(uintptr_t)addr;
            found |= in;
            continue;
        }
        if (in) {
            sscanf(line, "Private_Dirty: %ld kB", priv_kb);
            sscanf(line, "Shared_Dirty: %ld kB", shared_kb);
        }
    }
    fclose(f);
    return found && *priv_kb >= 0 && *shared_kb >= 0;
}

static long parse(const char *flag, const char *s, long max)
{
    char *end;
    errno = 0;
    long v = strtol(s ? s : "", &end, 10);
    if (!s || errno || end == s || *end || v < 1 || v > max) {
        fprintf(stderr, "forkcow: %s wants a whole number from 1 to %ld, not '%s'\n", flag, max,
                s ? s : "");
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    long mib = 64, every = 4;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--mib") == 0)
            mib = parse("--mib", argv[++i], 4096);
        else if (strcmp(argv[i], "--every") == 0)
            every = parse("--every", argv[++i], 1 << 20);
        else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: forkcow [--mib N] [--every K]   (defaults: 64 MiB, every 4th page)\n");
            return 0;
        } else {
            fprintf(stderr, "forkcow: unknown option '%s'\nusage: forkcow [--mib N] [--every K]\n", argv[i]);
            return 2;
        }
    }
    page_size = sysconf(_SC_PAGESIZE);
    size_t len = (size_t)mib << 20, pages = len / (size_t)page_size;
    unsigned char *db = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (db == MAP_FAILED) {
        perror("forkcow: mmap");
        return 1;
    }
    madvise(db, len, MADV_NOHUGEPAGE);
    for (size_t i = 0; i < len; i++)
        db[i] = (unsigned char)(i * 7);
    uint64_t at_fork = checksum(db, len);
    printf("region %ld MiB = %zu pages of %ld bytes, all written before fork\n", mib, pages, page_size);

    int go[2], result[2];
    if (pipe(go) || pipe(result)) {
        perror("forkcow: pipe");
        return 1;
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        perror("forkcow: fork");
        return 1;
    }
    if (pid == 0) { /* the snapshot writer: wait until the parent has changed pages, then read all */
        char c;
        if (read(go[0], &c, 1) != 1)
            _exit(3);
        uint64_t h = checksum(db, len);
        _exit(write(result[1], &h, sizeof h) == sizeof h ? 0 : 3);
    }

    long before = minor_faults();
    size_t written = 0;
    for (size_t p = 0; p < pages; p += (size_t)every) {
        db[p * (size_t)page_size] ^= 0xff; /* serving: a write to a shared page */
        written++;
    }
    long faults = minor_faults() - before;
    long priv_kb, shared_kb;
    bool have_smaps = smaps_dirty(db, &priv_kb, &shared_kb);
    if (write(go[1], "g", 1) != 1)
        return 1;
    uint64_t child_sum = 0;
    bool got = read(result[0], &child_sum, sizeof child_sum) == sizeof child_sum;
    int status;
    waitpid(pid, &status, 0);

    long page_kb = page_size / 1024;
    printf("parent wrote %zu pages after fork (1 page in every %ld): %ld minor faults\n", written, every, faults);
    if (have_smaps)
        printf("parent's smaps for the region: Private_Dirty %ld kB = %ld pages copied, "
               "Shared_Dirty %ld kB = %ld pages still shared with the child\n",
               priv_kb, priv_kb / page_kb, shared_kb, shared_kb / page_kb);
    bool snapshot_ok = got && child_sum == at_fork;
    printf("child's snapshot: checksum %016" PRIx64 ", fork-time contents %016" PRIx64 ": %s\n",
           child_sum, at_fork, snapshot_ok ? "the same (the child saw the fork-time data)" : "DIFFERENT");
    bool copies_ok = have_smaps && priv_kb / page_kb == (long)written && faults >= (long)written;
    printf("pages copied = pages written: %s\n", copies_ok ? "yes" : "NO");
    munmap(db, len);
    return snapshot_ok && copies_ok ? 0 : 1;
}

/* A resolver for tests, put in front of the C library's with LD_PRELOAD: names ending in
 * ".hangs.test" never resolve (the lookup blocks, as behind a DNS server that does not
 * answer), names ending in ".fails.test" do not exist (EAI_NONAME), names ending in
 * ".late.test" do not exist for the first $LATE_FAILURES lookups and are then 127.0.0.1 (a
 * new load balancer's name appearing late). Every other name goes to the C library. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netdb.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef int (*getaddrinfo_fn)(const char *, const char *, const struct addrinfo *,
                              struct addrinfo **);

static atomic_int late_lookups;

static int ends_with(const char *name, const char *suffix) {
    size_t n = strlen(name), s = strlen(suffix);
    return n >= s && strcmp(name + n - s, suffix) == 0;
}

int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                struct addrinfo **res) {
    if (node != NULL && ends_with(node, ".hangs.test")) {
        for (;;) pause();
    }
    if (node != NULL && ends_with(node, ".fails.test")) {
        return EAI_NONAME;
    }
    if (node != NULL && ends_with(node, ".late.test")) {
        const char *failures = getenv("LATE_FAILURES");
        if (atomic_fetch_add(&late_lookups, 1) < (failures ? atoi(failures) : 0)) {
            return EAI_NONAME;
        }
        node = "127.0.0.1";
    }
    getaddrinfo_fn real = (getaddrinfo_fn)dlsym(RTLD_NEXT, "getaddrinfo");
    return real(node, service, hints, res);
}

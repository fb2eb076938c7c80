/*
 * The machine's identity: its umid and the directory <uml_dir><umid>/
 * holding the pid file ("PID\n", 0644, created O_EXCL) and the mconsole
 * socket, as UML lays them out (reference/uml-interop.md §3, §7).
 *
 * A directory left by a dead instance (its pid gone, or no readable pid)
 * is taken over; one whose pid lives makes umid_init fail with -EBUSY
 * before the machine touches anything else. The directory is removed on a
 * clean halt or reboot and kept after a panic.
 */
#include <linux/fcntl.h>

#include "err.h"
#include "klib.h"
#include "umid.h"
#include "os/os.h"

#define UMID_PATH_MAX 4096
#define UMID_RANDOM_LEN 6
#define UMID_RANDOM_TRIES 100
#define UMID_DIR_MODE 0700
#define UMID_PARENT_MODE 0777
#define UMID_PID_MODE 0644

struct umid_state {
	char name[UMID_MAX_LEN + 1];
	char dir[UMID_PATH_MAX]; /* without the trailing '/'; "" if none */
};

static struct umid_state umid_state;

const char *umid_dir(void)
{
	return umid_state.dir;
}

const char *umid_name(void)
{
	return umid_state.name;
}

/* <uml_dir>/ with ~ expanded and exactly one trailing '/'. */
static int umid_base(const char *uml_dir, char *buf, size_t size)
{
	const char *home = os_getenv("HOME");
	size_t len;

	if (!uml_dir)
		uml_dir = home && *home ? "~/.uml" : "/tmp/uml";
	if (uml_dir[0] == '~' && (uml_dir[1] == '/' || !uml_dir[1])) {
		if (!home || !*home)
			return -ENOENT;
		len = (size_t)ksnprintf(buf, size, "%s%s", home, uml_dir + 1);
	} else {
		len = kstrlcpy(buf, uml_dir, size);
	}
	if (len + 2 >= size)
		return -ENAMETOOLONG;
	while (len > 1 && buf[len - 1] == '/')
		buf[--len] = '\0';
	buf[len++] = '/';
	buf[len] = '\0';
	return 0;
}

/* The pid recorded in <dir>/pid, or 0 when it is missing or garbage. */
static int umid_read_pid(const char *dir)
{
	char path[UMID_PATH_MAX];
	uint64_t pid = 0;
	char *data;
	long len;

	ksnprintf(path, sizeof(path), "%s/pid", dir);
	len = os_read_file(path, &data);
	if (len < 0)
		return 0;
	while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == ' '))
		len--;
	if (len > 0 && len < 12) {
		data[len] = '\0';
		if (kstrtou64(data, 10, &pid) || pid > 0x7fffffff)
			pid = 0;
	}
	os_heap_free(data);
	return (int)pid;
}

static int umid_write_pid(const char *dir)
{
	char path[UMID_PATH_MAX], text[16];
	int fd, len;
	long n;

	ksnprintf(path, sizeof(path), "%s/pid", dir);
	fd = os_open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		     UMID_PID_MODE);
	if (fd < 0)
		return fd;
	len = ksnprintf(text, sizeof(text), "%d\n", os_getpid());
	n = os_write(fd, text, (size_t)len);
	os_close(fd);
	return n == len ? 0 : (n < 0 ? (int)n : -EIO);
}

/*
 * Make dir ours: create it, or take it over from a dead instance. -EBUSY
 * with *holder set when a live process owns it.
 */
static int umid_claim(const char *dir, int *holder)
{
	int err = os_umid_mkdir(dir, UMID_DIR_MODE, true);
	int pid;

	if (err != -EEXIST)
		return err;
	pid = umid_read_pid(dir);
	if (pid > 0 && pid != os_getpid() && os_kill(pid, 0) != -ESRCH) {
		*holder = pid;
		return -EBUSY;
	}
	os_umid_remove(dir);
	return os_umid_mkdir(dir, UMID_DIR_MODE, true);
}

static void umid_random_name(char *name)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				       "abcdefghijklmnopqrstuvwxyz0123456789";
	uint8_t bytes[UMID_RANDOM_LEN];
	size_t i;

	if (os_getrandom(bytes, sizeof(bytes)) != (int)sizeof(bytes)) {
		uint64_t t = os_time_mono_ns() ^ (uint64_t)os_getpid() << 32;

		for (i = 0; i < sizeof(bytes); i++, t >>= 5)
			bytes[i] = (uint8_t)(t + i * 131);
	}
	for (i = 0; i < UMID_RANDOM_LEN; i++)
		name[i] = alphabet[bytes[i] % (sizeof(alphabet) - 1)];
	name[UMID_RANDOM_LEN] = '\0';
}

/* Claim a fresh random umid under base. */
static int umid_claim_random(struct umid_state *u, const char *base)
{
	int i, err = -EEXIST;

	for (i = 0; i < UMID_RANDOM_TRIES && err == -EEXIST; i++) {
		umid_random_name(u->name);
		ksnprintf(u->dir, sizeof(u->dir), "%s%s", base, u->name);
		err = os_umid_mkdir(u->dir, UMID_DIR_MODE, true);
	}
	return err;
}

int umid_init(const char *uml_dir, const char *umid, char *err, size_t errlen)
{
	struct umid_state *u = &umid_state;
	char base[UMID_PATH_MAX];
	int r, holder = 0;

	r = umid_base(uml_dir, base, sizeof(base));
	if (r) {
		ksnprintf(err, errlen, "uml_dir: cannot use '%s' (error %d)",
			  uml_dir ? uml_dir : "~/.uml/", -r);
		return r;
	}
	r = os_umid_mkdir(base, UMID_PARENT_MODE, false);
	if (r) {
		ksnprintf(err, errlen, "uml_dir: cannot create %s (error %d)",
			  base, -r);
		return r;
	}
	if (umid) {
		if (kstrlen(umid) > UMID_MAX_LEN) {
			ksnprintf(err, errlen,
				  "umid: '%s' is longer than %d characters",
				  umid, UMID_MAX_LEN);
			return -EINVAL;
		}
		kstrlcpy(u->name, umid, sizeof(u->name));
		ksnprintf(u->dir, sizeof(u->dir), "%s%s", base, u->name);
		r = umid_claim(u->dir, &holder);
	} else {
		r = umid_claim_random(u, base);
	}
	if (r == -EBUSY)
		ksnprintf(err, errlen,
			  "umid \"%s\" is already in use by pid %d", u->name,
			  holder);
	else if (r)
		ksnprintf(err, errlen, "cannot create %s (error %d)", u->dir,
			  -r);
	if (r)
		goto out_forget;
	r = umid_write_pid(u->dir);
	if (r) {
		ksnprintf(err, errlen, "cannot write %s/pid (error %d)", u->dir,
			  -r);
		goto out_remove;
	}
	return 0;

out_remove:
	os_umid_remove(u->dir);
out_forget:
	u->dir[0] = '\0';
	return r;
}

void umid_remove(void)
{
	if (!umid_state.dir[0])
		return;
	os_umid_remove(umid_state.dir);
	umid_state.dir[0] = '\0';
}

/*
 * The kernel's small C library: strings, number parsing, formatting and the
 * heap. Nothing here sleeps.
 */
#include "klib.h"
#include "err.h"
#include "os/os.h"

size_t kstrlen(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return (size_t)(p - s);
}

size_t kstrnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int kstrcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

int kstrncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

char *kstrchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

char *kstrrchr(const char *s, int c)
{
	const char *last = NULL;

	for (;; s++) {
		if (*s == (char)c)
			last = s;
		if (!*s)
			return (char *)last;
	}
}

size_t kstrlcpy(char *dst, const char *src, size_t size)
{
	size_t len = kstrlen(src);

	if (size) {
		size_t n = len < size - 1 ? len : size - 1;

		kmemcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

size_t kstrlcat(char *dst, const char *src, size_t size)
{
	size_t dlen = kstrnlen(dst, size);

	if (dlen == size)
		return size + kstrlen(src);
	return dlen + kstrlcpy(dst + dlen, src, size - dlen);
}

bool kstarts_with(const char *s, const char *prefix)
{
	return kstrncmp(s, prefix, kstrlen(prefix)) == 0;
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 99;
}

int kstrtou64(const char *s, unsigned int base, uint64_t *out)
{
	uint64_t v = 0;

	if (base == 0) {
		if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
			base = 16;
			s += 2;
		} else if (s[0] == '0' && s[1]) {
			base = 8;
			s++;
		} else {
			base = 10;
		}
	}
	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		int d = digit_value(*s);

		if (d >= (int)base)
			return -EINVAL;
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			return -ERANGE;
		v = v * base + (uint64_t)d;
	}
	*out = v;
	return 0;
}

int kstrtos64(const char *s, unsigned int base, int64_t *out)
{
	bool neg = *s == '-';
	uint64_t v;
	int err = kstrtou64(neg ? s + 1 : s, base, &v);

	if (err)
		return err;
	if (v > (uint64_t)INT64_MAX + neg)
		return -ERANGE;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

int kparse_size(const char *s, uint64_t *out)
{
	char num[32];
	size_t len = kstrlen(s);
	unsigned int shift = 0;
	uint64_t v;
	int err;

	if (len == 0 || len >= sizeof(num))
		return -EINVAL;
	kmemcpy(num, s, len + 1);
	switch (num[len - 1]) {
	case 'k':
	case 'K':
		shift = 10;
		break;
	case 'm':
	case 'M':
		shift = 20;
		break;
	case 'g':
	case 'G':
		shift = 30;
		break;
	default:
		break;
	}
	if (shift)
		num[len - 1] = '\0';
	err = kstrtou64(num, 10, &v);
	if (err)
		return err;
	if (v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = v << shift;
	return 0;
}

/* ---- formatting ---- */

struct fmt_out {
	char *buf;
	size_t size;
	size_t len;
};

static void out_char(struct fmt_out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void out_pad(struct fmt_out *o, char c, int n)
{
	while (n-- > 0)
		out_char(o, c);
}

struct fmt_spec {
	bool left;
	bool zero;
	bool plus;
	bool space;
	bool alt;
	int width;
	int prec; /* -1: none */
};

static void out_str(struct fmt_out *o, const char *s, const struct fmt_spec *f)
{
	size_t len = f->prec >= 0 ? kstrnlen(s, (size_t)f->prec) : kstrlen(s);
	int pad = f->width - (int)len;

	if (!f->left)
		out_pad(o, ' ', pad);
	while (len--)
		out_char(o, *s++);
	if (f->left)
		out_pad(o, ' ', pad);
}

static void out_num(struct fmt_out *o, uint64_t v, bool neg, unsigned int base,
		    bool upper, const struct fmt_spec *f)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, len, pad;
	char sign = neg ? '-' : f->plus ? '+' : f->space ? ' ' : 0;
	const char *prefix = "";

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	if (f->alt && base == 16)
		prefix = upper ? "0X" : "0x";
	else if (f->alt && base == 8 && tmp[n - 1] != '0')
		prefix = "0";
	len = n > f->prec ? n : f->prec;
	len += (sign != 0) + (int)kstrlen(prefix);
	pad = f->width - len;
	if (!f->left && !(f->zero && f->prec < 0))
		out_pad(o, ' ', pad);
	if (sign)
		out_char(o, sign);
	while (*prefix)
		out_char(o, *prefix++);
	if (!f->left && f->zero && f->prec < 0)
		out_pad(o, '0', pad);
	out_pad(o, '0', f->prec - n);
	while (n)
		out_char(o, tmp[--n]);
	if (f->left)
		out_pad(o, ' ', pad);
}

static const char *parse_spec(const char *fmt, struct fmt_spec *f, va_list *ap)
{
	*f = (struct fmt_spec){ .prec = -1 };
	for (;; fmt++) {
		if (*fmt == '-')
			f->left = true;
		else if (*fmt == '0')
			f->zero = true;
		else if (*fmt == '+')
			f->plus = true;
		else if (*fmt == ' ')
			f->space = true;
		else if (*fmt == '#')
			f->alt = true;
		else
			break;
	}
	if (*fmt == '*') {
		f->width = va_arg(*ap, int);
		if (f->width < 0) {
			f->left = true;
			f->width = -f->width;
		}
		fmt++;
	}
	while (*fmt >= '0' && *fmt <= '9')
		f->width = f->width * 10 + (*fmt++ - '0');
	if (*fmt == '.') {
		fmt++;
		f->prec = 0;
		if (*fmt == '*') {
			f->prec = va_arg(*ap, int);
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			f->prec = f->prec * 10 + (*fmt++ - '0');
	}
	return fmt;
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct fmt_out o = { buf, size, 0 };
	va_list args;

	va_copy(args, ap);
	while (*fmt) {
		struct fmt_spec f;
		int lng = 0;
		uint64_t u;
		int64_t s;

		if (*fmt != '%') {
			out_char(&o, *fmt++);
			continue;
		}
		fmt = parse_spec(fmt + 1, &f, &args);
		while (*fmt == 'l' || *fmt == 'z' || *fmt == 'h') {
			if (*fmt != 'h')
				lng++;
			fmt++;
		}
		switch (*fmt) {
		case 'd':
		case 'i':
			s = lng ? va_arg(args, int64_t) : va_arg(args, int);
			u = s < 0 ? 0 - (uint64_t)s : (uint64_t)s;
			out_num(&o, u, s < 0, 10, false, &f);
			break;
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			u = lng ? va_arg(args, uint64_t) :
				  va_arg(args, unsigned);
			out_num(&o, u, false,
				*fmt == 'u' ? 10 :
				*fmt == 'o' ? 8 :
					      16,
				*fmt == 'X', &f);
			break;
		case 'p':
			f.alt = true;
			out_num(&o, (uint64_t)(uintptr_t)va_arg(args, void *),
				false, 16, false, &f);
			break;
		case 's': {
			const char *str = va_arg(args, const char *);

			out_str(&o, str ? str : "(null)", &f);
			break;
		}
		case 'c':
			out_pad(&o, ' ', f.left ? 0 : f.width - 1);
			out_char(&o, (char)va_arg(args, int));
			out_pad(&o, ' ', f.left ? f.width - 1 : 0);
			break;
		case '%':
			out_char(&o, '%');
			break;
		case '\0':
			fmt--;
			break;
		default:
			out_char(&o, '%');
			out_char(&o, *fmt);
			break;
		}
		fmt++;
	}
	va_end(args);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/* ---- heap: the host allocator, through the host door ---- */

void *kmalloc(size_t size)
{
	return os_heap_alloc(size ? size : 1);
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);

	if (p)
		kmemset(p, 0, size);
	return p;
}

void *krealloc(void *ptr, size_t size)
{
	return os_heap_realloc(ptr, size ? size : 1);
}

void kfree(void *ptr)
{
	os_heap_free(ptr);
}

char *kstrndup(const char *s, size_t n)
{
	size_t len = kstrnlen(s, n);
	char *p = kmalloc(len + 1);

	if (p) {
		kmemcpy(p, s, len);
		p[len] = '\0';
	}
	return p;
}

char *kstrdup(const char *s)
{
	return kstrndup(s, kstrlen(s));
}

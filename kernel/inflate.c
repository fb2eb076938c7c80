/*
 * Inflate (RFC 1951) and gzip members (RFC 1952).
 *
 * Huffman codes are canonical: a table of FAST_BITS-bit prefixes decodes
 * short codes in one lookup, and longer ones fall back to walking the
 * code lengths bit by bit. Input reads go through need_bits, which fails
 * at the end of the input; back-references are checked against the output
 * of the current stream, and output grows only through out_reserve.
 */
#include "crc32.h"
#include "err.h"
#include "inflate.h"
#include "klib.h"

#define MAXBITS 15
#define MAXLCODES 286
#define MAXDCODES 30
#define FIXLCODES 288
#define MAXCLCODES 19
#define FAST_BITS 9
#define FAST_LEN_SHIFT 12
#define FAST_SYM_MASK 0xfff
#define OUT_MIN_CAP 4096

#define GZIP_ID1 0x1f
#define GZIP_ID2 0x8b
#define GZIP_CM_DEFLATE 8
#define GZIP_HEADER_LEN 10
#define GZIP_TRAILER_LEN 8
#define GZIP_FHCRC 0x02
#define GZIP_FEXTRA 0x04
#define GZIP_FNAME 0x08
#define GZIP_FCOMMENT 0x10
#define GZIP_FRESERVED 0xe0

struct huffman {
	uint16_t count[MAXBITS + 1]; /* codes of each length */
	uint16_t symbol[FIXLCODES]; /* symbols in canonical order */
	uint16_t fast[1 << FAST_BITS]; /* len << 12 | symbol, 0: walk */
};

struct inflate_tables {
	struct huffman lit, dist;
};

struct inflate_state {
	const uint8_t *in;
	size_t inlen, inpos;
	uint64_t bitbuf;
	unsigned int bitcnt;
	struct inflate_buf *out;
	size_t out_start; /* back-references may not reach before this */
	struct inflate_tables *t;
};

static const uint16_t len_base[29] = {
	3,  4,	5,  6,	7,  8,	9,  10, 11,  13,  15,  17,  19,	 23,  27,
	31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
};
static const uint8_t len_extra[29] = {
	0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
	2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
};
static const uint16_t dist_base[30] = {
	1,    2,    3,	  4,	5,    7,    9,	  13,	 17,	25,
	33,   49,   65,	  97,	129,  193,  257,  385,	 513,	769,
	1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
};
static const uint8_t dist_extra[30] = {
	0, 0, 0, 0, 1, 1, 2, 2,	 3,  3,	 4,  4,	 5,  5,	 6,
	6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
};
static const uint8_t clen_order[MAXCLCODES] = {
	16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
};

static int fail(struct inflate_state *s, const char *why)
{
	s->out->error = why;
	return -EINVAL;
}

static void refill(struct inflate_state *s)
{
	while (s->bitcnt <= 56 && s->inpos < s->inlen) {
		s->bitbuf |= (uint64_t)s->in[s->inpos++] << s->bitcnt;
		s->bitcnt += 8;
	}
}

/* Take n (<= 32) bits, least significant first. */
static int getbits(struct inflate_state *s, unsigned int n, uint32_t *val)
{
	if (s->bitcnt < n) {
		refill(s);
		if (s->bitcnt < n)
			return fail(s, "truncated deflate data");
	}
	*val = (uint32_t)(s->bitbuf & ((1ULL << n) - 1));
	s->bitbuf >>= n;
	s->bitcnt -= n;
	return 0;
}

static unsigned int reverse_bits(unsigned int code, unsigned int len)
{
	unsigned int r = 0;

	for (unsigned int i = 0; i < len; i++, code >>= 1)
		r = (r << 1) | (code & 1);
	return r;
}

/*
 * Build the decoder for n code lengths. Returns 0 for a complete code,
 * > 0 for an incomplete one, < 0 for an over-subscribed one.
 */
static int huff_build(struct huffman *h, const uint8_t *lengths, unsigned int n)
{
	uint16_t offs[MAXBITS + 1];
	unsigned int code = 0, index = 0;
	int left = 1;

	kmemset(h, 0, sizeof(*h));
	for (unsigned int sym = 0; sym < n; sym++)
		h->count[lengths[sym]]++;
	if (h->count[0] == n)
		return 0;
	for (unsigned int len = 1; len <= MAXBITS; len++) {
		left <<= 1;
		left -= h->count[len];
		if (left < 0)
			return left;
	}
	offs[1] = 0;
	for (unsigned int len = 1; len < MAXBITS; len++)
		offs[len + 1] = (uint16_t)(offs[len] + h->count[len]);
	for (unsigned int sym = 0; sym < n; sym++)
		if (lengths[sym])
			h->symbol[offs[lengths[sym]]++] = (uint16_t)sym;
	for (unsigned int len = 1; len <= FAST_BITS; len++) {
		for (unsigned int k = 0; k < h->count[len]; k++, code++) {
			uint16_t entry = (uint16_t)(len << FAST_LEN_SHIFT |
						    h->symbol[index++]);

			for (unsigned int i = reverse_bits(code, len);
			     i < (1U << FAST_BITS); i += 1U << len)
				h->fast[i] = entry;
		}
		code <<= 1;
	}
	return left;
}

/* Decode one symbol, or return -EINVAL. */
static int decode(struct inflate_state *s, const struct huffman *h)
{
	unsigned int entry, code = 0, first = 0, index = 0;

	if (s->bitcnt < MAXBITS)
		refill(s);
	entry = h->fast[s->bitbuf & ((1U << FAST_BITS) - 1)];
	if (entry) {
		unsigned int len = entry >> FAST_LEN_SHIFT;

		if (len > s->bitcnt)
			return fail(s, "truncated deflate data");
		s->bitbuf >>= len;
		s->bitcnt -= len;
		return (int)(entry & FAST_SYM_MASK);
	}
	for (unsigned int len = 1; len <= MAXBITS; len++) {
		unsigned int count = h->count[len];

		if (!s->bitcnt)
			return fail(s, "truncated deflate data");
		code |= (unsigned int)(s->bitbuf & 1);
		s->bitbuf >>= 1;
		s->bitcnt--;
		if (code - first < count)
			return h->symbol[index + (code - first)];
		index += count;
		first = (first + count) << 1;
		code <<= 1;
	}
	return fail(s, "invalid Huffman code");
}

/* Make room for n more output bytes. */
static int out_reserve(struct inflate_state *s, size_t n)
{
	struct inflate_buf *o = s->out;
	size_t cap;
	uint8_t *p;

	if (o->cap - o->len >= n)
		return 0;
	if (n > SIZE_MAX - o->len || (o->max && o->len + n > o->max)) {
		o->error = "output too large";
		return -E2BIG;
	}
	cap = MAX(o->cap, (size_t)OUT_MIN_CAP);
	while (cap < o->len + n)
		cap = cap > SIZE_MAX / 2 ? SIZE_MAX : cap * 2;
	if (o->max && cap > o->max)
		cap = o->max;
	p = krealloc(o->data, cap);
	if (!p) {
		o->error = "out of memory";
		return -ENOMEM;
	}
	o->data = p;
	o->cap = cap;
	return 0;
}

static int inflate_stored(struct inflate_state *s)
{
	uint32_t len, nlen, skip;
	int err;

	err = getbits(s, s->bitcnt % 8, &skip);
	if (!err)
		err = getbits(s, 16, &len);
	if (!err)
		err = getbits(s, 16, &nlen);
	if (err)
		return err;
	if (len != (~nlen & 0xffff))
		return fail(s, "stored block length check failed");
	/* Hand the whole bytes still buffered back to the input. */
	s->inpos -= s->bitcnt / 8;
	s->bitbuf = 0;
	s->bitcnt = 0;
	if (s->inlen - s->inpos < len)
		return fail(s, "truncated stored block");
	err = out_reserve(s, len);
	if (err)
		return err;
	kmemcpy(s->out->data + s->out->len, s->in + s->inpos, len);
	s->out->len += len;
	s->inpos += len;
	return 0;
}

/* Decode literals and matches until the end-of-block symbol. */
static int inflate_codes(struct inflate_state *s, const struct huffman *lit,
			 const struct huffman *dist)
{
	struct inflate_buf *o = s->out;

	for (;;) {
		int sym = decode(s, lit);
		uint32_t extra, len, d;
		int err;

		if (sym < 0)
			return sym;
		if (sym < 256) {
			err = out_reserve(s, 1);
			if (err)
				return err;
			o->data[o->len++] = (uint8_t)sym;
			continue;
		}
		if (sym == 256)
			return 0;
		sym -= 257;
		if (sym >= (int)ARRAY_SIZE(len_base))
			return fail(s, "invalid length symbol");
		err = getbits(s, len_extra[sym], &extra);
		if (err)
			return err;
		len = len_base[sym] + extra;
		sym = decode(s, dist);
		if (sym < 0)
			return sym;
		if (sym >= (int)ARRAY_SIZE(dist_base))
			return fail(s, "invalid distance symbol");
		err = getbits(s, dist_extra[sym], &extra);
		if (err)
			return err;
		d = dist_base[sym] + extra;
		if (d > o->len - s->out_start)
			return fail(s, "distance too far back");
		err = out_reserve(s, len);
		if (err)
			return err;
		for (uint32_t i = 0; i < len; i++, o->len++)
			o->data[o->len] = o->data[o->len - d];
	}
}

static int inflate_fixed(struct inflate_state *s)
{
	uint8_t lengths[FIXLCODES];
	unsigned int sym = 0;

	for (; sym < 144; sym++)
		lengths[sym] = 8;
	for (; sym < 256; sym++)
		lengths[sym] = 9;
	for (; sym < 280; sym++)
		lengths[sym] = 7;
	for (; sym < FIXLCODES; sym++)
		lengths[sym] = 8;
	huff_build(&s->t->lit, lengths, FIXLCODES);
	for (sym = 0; sym < MAXDCODES; sym++)
		lengths[sym] = 5;
	huff_build(&s->t->dist, lengths, MAXDCODES);
	return inflate_codes(s, &s->t->lit, &s->t->dist);
}

/* Read the literal/length and distance code lengths of a dynamic block. */
static int read_lengths(struct inflate_state *s, uint8_t *lengths,
			unsigned int total)
{
	unsigned int index = 0;

	while (index < total) {
		int sym = decode(s, &s->t->lit);
		uint32_t rep, len = 0;
		int err;

		if (sym < 0)
			return sym;
		if (sym < 16) {
			lengths[index++] = (uint8_t)sym;
			continue;
		}
		if (sym == 16) {
			if (!index)
				return fail(s, "repeat with no first length");
			len = lengths[index - 1];
			err = getbits(s, 2, &rep);
			rep += 3;
		} else if (sym == 17) {
			err = getbits(s, 3, &rep);
			rep += 3;
		} else {
			err = getbits(s, 7, &rep);
			rep += 11;
		}
		if (err)
			return err;
		if (index + rep > total)
			return fail(s, "too many code lengths");
		while (rep--)
			lengths[index++] = (uint8_t)len;
	}
	return 0;
}

static int inflate_dynamic(struct inflate_state *s)
{
	uint8_t lengths[MAXLCODES + MAXDCODES];
	uint32_t nlen, ndist, ncode;
	int err;

	err = getbits(s, 5, &nlen);
	if (!err)
		err = getbits(s, 5, &ndist);
	if (!err)
		err = getbits(s, 4, &ncode);
	if (err)
		return err;
	nlen += 257;
	ndist += 1;
	ncode += 4;
	if (nlen > MAXLCODES || ndist > MAXDCODES)
		return fail(s, "bad code counts");
	kmemset(lengths, 0, MAXCLCODES);
	for (uint32_t i = 0; i < ncode; i++) {
		uint32_t v;

		err = getbits(s, 3, &v);
		if (err)
			return err;
		lengths[clen_order[i]] = (uint8_t)v;
	}
	if (huff_build(&s->t->lit, lengths, MAXCLCODES) != 0)
		return fail(s, "incomplete code length code");
	err = read_lengths(s, lengths, nlen + ndist);
	if (err)
		return err;
	if (!lengths[256])
		return fail(s, "no end-of-block code");
	err = huff_build(&s->t->lit, lengths, nlen);
	if (err < 0 ||
	    (err > 0 && nlen != s->t->lit.count[0] + s->t->lit.count[1]))
		return fail(s, "bad literal/length code");
	err = huff_build(&s->t->dist, lengths + nlen, ndist);
	if (err < 0 ||
	    (err > 0 && ndist != s->t->dist.count[0] + s->t->dist.count[1]))
		return fail(s, "bad distance code");
	return inflate_codes(s, &s->t->lit, &s->t->dist);
}

int inflate_raw(const void *in, size_t len, size_t *used,
		struct inflate_buf *out)
{
	struct inflate_state s = {
		.in = in,
		.inlen = len,
		.out = out,
		.out_start = out->len,
	};
	uint32_t last, type;
	int err;

	s.t = kmalloc(sizeof(*s.t));
	if (!s.t) {
		out->error = "out of memory";
		return -ENOMEM;
	}
	do {
		err = getbits(&s, 1, &last);
		if (!err)
			err = getbits(&s, 2, &type);
		if (err)
			break;
		switch (type) {
		case 0:
			err = inflate_stored(&s);
			break;
		case 1:
			err = inflate_fixed(&s);
			break;
		case 2:
			err = inflate_dynamic(&s);
			break;
		default:
			err = fail(&s, "invalid block type");
			break;
		}
	} while (!err && !last);
	kfree(s.t);
	if (!err)
		*used = s.inpos - s.bitcnt / 8;
	return err;
}

bool gzip_is_member(const void *in, size_t len)
{
	const uint8_t *p = in;

	return len >= 3 && p[0] == GZIP_ID1 && p[1] == GZIP_ID2 &&
	       p[2] == GZIP_CM_DEFLATE;
}

/* Skip a NUL-terminated header string at *pos; false if unterminated. */
static bool skip_string(const uint8_t *p, size_t len, size_t *pos)
{
	while (*pos < len)
		if (!p[(*pos)++])
			return true;
	return false;
}

/* Parse the member header; *pos receives where the deflate data starts. */
static int gzip_header(const uint8_t *p, size_t len, size_t *pos,
		       struct inflate_buf *out)
{
	uint8_t flags;

	out->error = "bad gzip header";
	if (len < GZIP_HEADER_LEN || !gzip_is_member(p, len))
		return -EINVAL;
	flags = p[3];
	if (flags & GZIP_FRESERVED)
		return -EINVAL;
	*pos = GZIP_HEADER_LEN;
	if (flags & GZIP_FEXTRA) {
		size_t xlen;

		if (len - *pos < 2)
			return -EINVAL;
		xlen = (size_t)p[*pos] | (size_t)p[*pos + 1] << 8;
		*pos += 2;
		if (len - *pos < xlen)
			return -EINVAL;
		*pos += xlen;
	}
	if ((flags & GZIP_FNAME) && !skip_string(p, len, pos))
		return -EINVAL;
	if ((flags & GZIP_FCOMMENT) && !skip_string(p, len, pos))
		return -EINVAL;
	if (flags & GZIP_FHCRC) {
		uint32_t crc = crc32_update(0, p, *pos) & 0xffff;

		if (len - *pos < 2)
			return -EINVAL;
		if (crc != ((uint32_t)p[*pos] | (uint32_t)p[*pos + 1] << 8)) {
			out->error = "gzip header CRC mismatch";
			return -EINVAL;
		}
		*pos += 2;
	}
	out->error = NULL;
	return 0;
}

int gunzip_member(const void *in, size_t len, size_t *used,
		  struct inflate_buf *out)
{
	const uint8_t *p = in;
	size_t pos, dlen, start = out->len;
	int err;

	err = gzip_header(p, len, &pos, out);
	if (err)
		return err;
	err = inflate_raw(p + pos, len - pos, &dlen, out);
	if (err)
		goto out_discard;
	pos += dlen;
	err = -EINVAL;
	if (len - pos < GZIP_TRAILER_LEN) {
		out->error = "truncated gzip trailer";
		goto out_discard;
	}
	if (crc32_update(0, out->data + start, out->len - start) !=
	    kget_le32(p + pos)) {
		out->error = "gzip CRC32 mismatch";
		goto out_discard;
	}
	if ((uint32_t)(out->len - start) != kget_le32(p + pos + 4)) {
		out->error = "gzip length mismatch";
		goto out_discard;
	}
	*used = pos + GZIP_TRAILER_LEN;
	return 0;

out_discard:
	out->len = start;
	return err;
}

/*
 * fuzz_spf_macro.c: the SPF macro checker and expander. The first byte
 * picks explanation mode and the output size; the rest is the
 * macro-string. Checks that check and expand agree on syntax and that
 * the output stays inside its buffer and is NUL-terminated.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spf/spf.h"
#include "spf/spf_int.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char		 out[SPF_EXPAND_MAX];
	struct spf_macro_env	 e;
	size_t			 outsize;
	int			 exp, p, ck;
	long			 r;

	if (size < 1)
		return 0;
	exp = data[0] & 1;
	outsize = (data[0] & 0x80) ? 254 : sizeof(out);
	e.s = "strong-bad+tag=x/y_z,w@email.example.com";
	e.l = "strong-bad+tag=x/y_z,w";
	e.o = "email.example.com";
	e.d = "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.example";
	e.i = "1.0.B.C.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.B.D.0.1.0.0.2";
	e.p = "unknown";
	e.h = "mx.example.org";
	e.c = "2001:db8::cb01";
	e.r = "receiver.example";
	e.t = "1234567890";
	e.v = "ip6";
	ck = spf_macro_check((const char *)data + 1, size - 1, exp, &p);
	r = spf_macro_expand(&e, (const char *)data + 1, size - 1, exp, out,
	    outsize);
	if ((ck == -1) != (r == -1))
		abort();
	if (r >= 0 && ((size_t)r >= outsize || out[r] != '\0'))
		abort();
	(void)spf_domain_spec_check((const char *)data + 1, size - 1, &p);
	if (r >= 0) {
		size_t		 n = (size_t)r;
		const char	*t = spf_name_truncate(out, &n);

		if (t != NULL)
			(void)spf_domain_ok(t, n);
	}
	return 0;
}

/* markup.c - see markup.h */
#include "markup.h"

#include "jsonw.h"

void html_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		size_t n = c < 0x80 ? 1 : utf8_seq_len((const unsigned char *)s);

		if (!n) { /* not UTF-8: an XML parser would refuse the file */
			fputs("\xef\xbf\xbd", out);
			continue;
		}
		if (n > 1) {
			fwrite(s, 1, n, out);
			s += n - 1;
			continue;
		}
		switch (c) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&#39;", out);
			break;
		default:
			if (c >= 0x20 || c == '\t' || c == '\n')
				fputc(c, out);
		}
	}
}

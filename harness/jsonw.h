/* jsonw.h - the one JSON string writer every JSON output uses, and the
 * UTF-8 rule it and the XML writer share: text from a program is any
 * bytes, and a report is valid UTF-8 whatever the program printed. */
#ifndef BINDLAB_JSONW_H
#define BINDLAB_JSONW_H

#include <stddef.h>
#include <stdio.h>

/* s as a JSON string, quoted and escaped; a byte that is not part of valid
 * UTF-8 is written as U+FFFD. */
void json_str(FILE *out, const char *s);

/* The length of the valid UTF-8 sequence at s (1 to 4), or 0 when the
 * bytes there are not one (a stray continuation byte, an overlong form, a
 * surrogate, a sequence cut short by the end of the string). */
size_t utf8_seq_len(const unsigned char *s);

#endif

/* jsonw.h - the one JSON string writer every JSON output uses. */
#ifndef BINDLAB_JSONW_H
#define BINDLAB_JSONW_H

#include <stdio.h>

/* s as a JSON string, quoted and escaped. */
void json_str(FILE *out, const char *s);

#endif

/* markup.h - the one escaper of text put into HTML and SVG (the html and
 * svg renderers share it). */
#ifndef BINDLAB_MARKUP_H
#define BINDLAB_MARKUP_H

#include <stdio.h>

/* s as HTML/XML text or attribute value: & < > " ' escaped; control
 * characters but tab and newline dropped (XML cannot hold them). */
void html_text(FILE *out, const char *s);

#endif

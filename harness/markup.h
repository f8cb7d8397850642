/* markup.h - the one escaper of text put into HTML, SVG and XML (the html
 * and svg renderers and the JUnit writer share it). */
#ifndef BINDLAB_MARKUP_H
#define BINDLAB_MARKUP_H

#include <stdio.h>

/* s as HTML/XML text or attribute value: & < > " ' escaped; control
 * characters but tab and newline dropped (XML cannot hold them); a byte
 * that is not part of valid UTF-8 written as U+FFFD. */
void html_text(FILE *out, const char *s);

#endif

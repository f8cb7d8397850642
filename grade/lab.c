/* lab.c - see lab.h */
#include "lab.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* a/b into out; -1 when it does not fit */
static int join(char *out, size_t outlen, const char *a, const char *b)
{
	int n = snprintf(out, outlen, "%s/%s", a, b);

	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

static int is_dir(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

int lab_root(const char *given, char *out, size_t outlen, char *err)
{
	char exe[PATH_MAX];

	if (given || (given = getenv("BINDLAB_LABS"))) {
		if (!is_dir(given) || strlen(given) >= outlen)
			return errf(err, "bindlab: no labs folder at '%s'", given);
		memcpy(out, given, strlen(given) + 1);
		return 0;
	}
	/* build/bindlab -> labs/ beside build/: works from any directory */
	snprintf(exe, sizeof(exe), "%s", self_exe());
	if (exe[0]) {
		char *slash;

		for (int up = 0; up < 2 && (slash = strrchr(exe, '/')); up++)
			*slash = '\0';
		if (join(out, outlen, exe, "labs") == 0 && is_dir(out))
			return 0;
	}
	if (is_dir("labs")) {
		snprintf(out, outlen, "labs");
		return 0;
	}
	return errf(err, "bindlab: cannot find the labs folder: give --labs DIR");
}

/* "02-rapid-restart": two digits, a dash, a slug. */
static int lab_slug_number(const char *name)
{
	if (!isdigit((unsigned char)name[0]) || !isdigit((unsigned char)name[1]) ||
	    name[2] != '-' || !name[3])
		return -1;
	return (name[0] - '0') * 10 + (name[1] - '0');
}

static int cmp_slug(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

int lab_list(const char *root, char slugs[][64], int max, char *err)
{
	DIR *d = opendir(root);
	struct dirent *de;
	int n = 0;

	if (!d)
		return errf(err, "bindlab: cannot open '%s': %s", root, strerror(errno));
	while ((de = readdir(d)) && n < max) {
		char path[PATH_MAX];

		if (lab_slug_number(de->d_name) < 0 || strlen(de->d_name) >= 64)
			continue;
		if (join(path, sizeof(path), root, de->d_name) == 0 && is_dir(path))
			snprintf(slugs[n++], 64, "%s", de->d_name);
	}
	closedir(d);
	qsort(slugs, (size_t)n, 64, cmp_slug);
	return n;
}

/* lab.conf: "key: value" lines, # comments. */
static int read_conf(struct lab *lab, char *err)
{
	static const struct {
		const char *key;
		size_t off, len;
	} keys[] = {
#define K(name) {#name, offsetof(struct lab, name), sizeof(((struct lab *)0)->name)}
	    K(title), K(program), K(time), K(needs), K(verdict), K(advice), K(teaches), K(key),
#undef K
	};
	char path[PATH_MAX], line[512];
	FILE *f;
	int lineno = 0;

	if (join(path, sizeof(path), lab->dir, "lab.conf") < 0)
		return errf(err, "bindlab: path too long");
	f = fopen(path, "re");
	if (!f)
		return errf(err, "bindlab: cannot open '%s': %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char *colon, *v, *end;
		size_t k;

		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		colon = strchr(line, ':');
		if (!colon)
			goto bad;
		*colon = '\0';
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (!strcmp(keys[k].key, line))
				break;
		if (k == sizeof(keys) / sizeof(keys[0])) {
			fclose(f);
			return errf(err, "%s:%d: unknown key '%s'", path, lineno, line);
		}
		for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
			;
		for (end = v + strlen(v); end > v && (end[-1] == ' ' || end[-1] == '\t');)
			*--end = '\0';
		snprintf((char *)lab + keys[k].off, keys[k].len, "%s", v);
	}
	fclose(f);
	if (!lab->title[0] || !lab->program[0])
		return errf(err, "%s: needs 'title:' and 'program:'", path);
	for (const char *p = lab->program; *p; p++)
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '_')
			return errf(err, "%s: 'program:' is a file name such as server", path);
	return 0;
bad:
	fclose(f);
	return errf(err, "%s:%d: expected 'key: value'", path, lineno);
}

int lab_open(const char *root, const char *which, struct lab *lab, char *err)
{
	char slugs[100][64] = {{0}};
	int n = lab_list(root, slugs, 100, err), want = -1;
	long num;

	memset(lab, 0, sizeof(*lab));
	if (n < 0)
		return -1;
	if (number_parse(which, 1, 99, &num) == 0)
		want = (int)num;
	for (int i = 0; i < n; i++) {
		if (want >= 0 ? lab_slug_number(slugs[i]) != want : strcmp(slugs[i], which))
			continue;
		char up[PATH_MAX];

		memcpy(lab->slug, slugs[i], sizeof(lab->slug));
		lab->number = lab_slug_number(slugs[i]);
		/* staff/ beside labs/: absent from a student's handout */
		if (join(lab->dir, sizeof(lab->dir), root, slugs[i]) < 0 ||
		    join(up, sizeof(up), root, "../staff") < 0)
			return errf(err, "bindlab: path too long");
		if (join(lab->staff, sizeof(lab->staff), up, slugs[i]) < 0 || !is_dir(lab->staff))
			lab->staff[0] = '\0';
		else if (realpath(lab->staff, up)) /* staff/02-..., not labs/../staff/02-... */
			memcpy(lab->staff, up, strlen(up) + 1);
		return read_conf(lab, err);
	}
	return errf(err, "bindlab: no lab '%s' under %s (bindlab lab lists them)", which, root);
}

static const char *const visibility_names[] = {
    [VIS_VISIBLE] = "visible",
    [VIS_HIDDEN] = "hidden",
    [VIS_AFTER_DUE] = "after_due_date",
    [VIS_AFTER_PUBLISHED] = "after_published",
};

const char *lab_visibility_name(int vis)
{
	return vis >= 0 && vis <= VIS_AFTER_PUBLISHED ? visibility_names[vis] : "hidden";
}

int lab_find_check(const struct lab *lab, const char *id)
{
	for (int i = 0; i < lab->nchecks; i++)
		if (!strcmp(lab->checks[i].id, id))
			return i;
	return -1;
}

/* The rubric lines past check/points/hint: visibility, timeout, requires,
 * partial.  c is lab->checks[lab->nchecks - 1]; prerequisites are checks
 * read before it (so there is no cycle to follow). */
static int check_rubric(struct lab *lab, struct lab_check *c, const char *path, char *err)
{
	const char *v;

	/* a staff check counts in the total a student sees, so by default its
	 * result shows once the due date has passed (Gradescope's "hidden" is
	 * for checks worth nothing) */
	c->visibility = c->hidden ? VIS_AFTER_DUE : VIS_VISIBLE;
	if ((v = plan_meta(&c->plans[0], "visibility"))) {
		int k;

		for (k = 0; k <= VIS_AFTER_PUBLISHED; k++)
			if (!strcmp(v, visibility_names[k]))
				break;
		if (k > VIS_AFTER_PUBLISHED)
			return errf(err,
				    "%s:1:1: '# visibility:' is visible, hidden, after_due_date or "
				    "after_published, not '%s'",
				    path, v);
		c->visibility = k;
	}
	c->timeout_ms = LAB_TIMEOUT_DEFAULT_MS;
	if ((v = plan_meta(&c->plans[0], "timeout")) &&
	    duration_parse(v, 3600000, 0, &c->timeout_ms) < 0)
		return errf(err, "%s:1:1: '# timeout:' is a duration such as 30s, not '%s'", path,
			    v);
	if ((v = plan_meta(&c->plans[0], "partial"))) {
		if (strcmp(v, "yes") && strcmp(v, "no"))
			return errf(err, "%s:1:1: '# partial:' is yes or no, not '%s'", path, v);
		c->partial = !strcmp(v, "yes");
		if (c->partial && c->nplans < 2)
			return errf(err,
				    "%s:1:1: '# partial: yes' shares the points among the check's "
				    "variants, and it has none",
				    path);
	}
	if ((v = plan_meta(&c->plans[0], "requires"))) {
		char list[400], *save = NULL;

		snprintf(list, sizeof(list), "%s", v);
		for (char *id = strtok_r(list, ", ", &save); id; id = strtok_r(NULL, ", ", &save)) {
			int k = lab_find_check(lab, id);

			if (k < 0 || k == lab->nchecks - 1)
				return errf(err,
					    "%s:1:1: '# requires: %s' names no check read before "
					    "this one",
					    path, id);
			if (c->nrequires == LAB_REQUIRES_MAX)
				return errf(err, "%s:1:1: a check requires at most %d others", path,
					    LAB_REQUIRES_MAX);
			c->requires[c->nrequires++] = k;
		}
	}
	return 0;
}

static int check_add(struct lab *lab, const char *path, const char *name, int hidden,
		     const struct plan_defs *defs, char *err)
{
	struct lab_check *c, *grown;
	const char *v;
	long pts;

	grown = realloc(lab->checks, (size_t)(lab->nchecks + 1) * sizeof(*grown));
	if (!grown)
		return errf(err, "bindlab: out of memory");
	lab->checks = grown;
	c = &lab->checks[lab->nchecks];
	memset(c, 0, sizeof(*c));
	if (strlen(path) >= sizeof(c->path) || strlen(name) - 4 >= sizeof(c->id))
		return errf(err, "bindlab: path too long: %s", path);
	memcpy(c->path, path, strlen(path) + 1);
	memcpy(c->id, name, strlen(name) - 4);
	c->hidden = hidden;
	if (plan_parse_file_defs(path, defs, &c->plans, &c->nplans, err) < 0)
		return -1;
	lab->nchecks++;
	v = plan_meta(&c->plans[0], "check");
	if (!v || !*v)
		return errf(err, "%s:1:1: a check needs a '# check: what it checks' line", path);
	snprintf(c->name, sizeof(c->name), "%.399s", v);
	v = plan_meta(&c->plans[0], "points");
	if (!v || number_parse(v, 0, LAB_POINTS_MAX, &pts) < 0)
		return errf(err, "%s:1:1: a check needs a '# points: N' line (0 to %d)", path,
			    LAB_POINTS_MAX);
	c->points = (int)pts;
	v = plan_meta(&c->plans[0], "hint");
	snprintf(c->hint, sizeof(c->hint), "%.399s", v ? v : "");
	return check_rubric(lab, c, path, err);
}

static int load_dir(struct lab *lab, const char *dir, int hidden, const struct plan_defs *defs,
		    char *err)
{
	char names[200][256];
	struct dirent *de;
	int n = 0;
	DIR *d = opendir(dir);

	if (!d)
		return errf(err, "bindlab: cannot open '%s': %s", dir, strerror(errno));
	while ((de = readdir(d)) && n < 200) {
		size_t l = strlen(de->d_name);

		if (l > 4 && l < sizeof(names[0]) && !strcmp(de->d_name + l - 4, ".scn"))
			snprintf(names[n++], sizeof(names[0]), "%s", de->d_name);
	}
	closedir(d);
	if (!n)
		return errf(err, "bindlab: no checks (*.scn) in '%s'", dir);
	qsort(names, (size_t)n, sizeof(names[0]), (int (*)(const void *, const void *))strcmp);
	for (int i = 0; i < n; i++) {
		char path[PATH_MAX];

		if (join(path, sizeof(path), dir, names[i]) < 0)
			return errf(err, "bindlab: path too long: %s", dir);
		if (check_add(lab, path, names[i], hidden, defs, err) < 0)
			return -1;
	}
	return 0;
}

int lab_load_checks(struct lab *lab, int with_hidden, const struct plan_defs *defs, char *err)
{
	char dir[PATH_MAX];

	if (join(dir, sizeof(dir), lab->dir, "checks") < 0)
		return errf(err, "bindlab: path too long");
	if (load_dir(lab, dir, 0, defs, err) < 0)
		return -1;
	if (!with_hidden)
		return 0;
	if (!lab->staff[0])
		return errf(err,
			    "bindlab: lab %s has no staff folder (hidden checks are not in a "
			    "student's copy)",
			    lab->slug);
	if (join(dir, sizeof(dir), lab->staff, "hidden") < 0)
		return errf(err, "bindlab: path too long");
	return load_dir(lab, dir, 1, defs, err);
}

int lab_points(const struct lab *lab, int with_hidden)
{
	int total = 0;

	for (int i = 0; i < lab->nchecks; i++)
		if (with_hidden || !lab->checks[i].hidden)
			total += lab->checks[i].points;
	return total;
}

void lab_program_var(const struct lab *lab, char *out, size_t outlen)
{
	size_t i;

	for (i = 0; lab->program[i] && i + 1 < outlen; i++)
		out[i] = (char)toupper((unsigned char)lab->program[i]);
	out[i] = '\0';
}

void lab_free(struct lab *lab)
{
	for (int i = 0; i < lab->nchecks; i++)
		plan_free(lab->checks[i].plans, lab->checks[i].nplans);
	free(lab->checks);
	lab->checks = NULL;
	lab->nchecks = 0;
}

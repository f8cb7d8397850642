/* html.c - one run as a section of a self-contained HTML report (inline
 * CSS, SVG and script, nothing fetched): what ran where (kernel, mode,
 * sysctls), the verdict of every expectation, and the ladder (ladder.h,
 * drawn by svg.c) with a line that tells the focused element in full.
 * render_html_begin()/end() make the document around the runs; end() adds
 * an index of the runs, built from the sections' data attributes. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ladder.h"
#include "markup.h"
#include "render.h"

static const char *const verdict_word[] = {"pass", "fail", "error"};

static const char page_css[] =
    "body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:1.5em;color:#111;"
    "background:#fff}"
    "h1{font-size:1.4em}h2{font-size:1.2em;margin-top:2em;border-top:1px solid #ccc;"
    "padding-top:.8em}"
    "code,pre,.mono{font-family:'DejaVu Sans Mono',Menlo,Consolas,monospace;font-size:13px}"
    ".verdict{display:inline-block;padding:0 .5em;border:2px solid;border-radius:3px;"
    "font-weight:bold;margin-left:.5em}"
    ".v-pass{color:#1d5e20}.v-fail{color:#8a0018;border-style:dashed}"
    ".v-error{color:#8a4b00;border-style:dotted}"
    "dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.1em 1em;margin:.5em 0}"
    "dl.facts dt{color:#555}dl.facts dd{margin:0}"
    "table{border-collapse:collapse;margin:.5em 0}"
    "td,th{border:1px solid #ccc;padding:.15em .5em;text-align:left;vertical-align:top}"
    "tr.fail td{background:#fdecec}tr.fail td.res{font-weight:bold}"
    ".wrap{overflow-x:auto;border:1px solid #ddd;margin:.5em 0}"
    ".detail{position:sticky;bottom:0;background:#fffbe6;border:1px solid #d8c98a;"
    "padding:.3em .6em;min-height:1.4em;margin:0}.detail:empty{display:none}"
    ".legend span{display:inline-block;margin-right:1.2em}"
    ".sw{display:inline-block;width:.9em;height:.9em;border:1px solid #555;"
    "vertical-align:middle;margin-right:.3em}"
    "nav.index li{margin:.1em 0}"
    ":focus-visible{outline:2px solid #000}"
    "@media print{.detail{display:none}.wrap{overflow:visible;border:0}"
    "h2{break-before:page}section.run svg{max-width:100%;height:auto}}";

/* Focus or hover on a drawn element puts its <title> in the run's detail
 * line; several runs get an index at the top.  No fetch, no globals. */
static const char page_js[] =
    "(function(){"
    "function show(ev){var g=ev.target.closest&&ev.target.closest('[tabindex]');"
    "if(!g)return;var s=g.closest('section.run'),t=g.querySelector('title');"
    "if(s&&t){var d=s.querySelector('.detail');if(d)d.textContent=t.textContent;}}"
    "document.addEventListener('focusin',show);document.addEventListener('mouseover',show);"
    "var runs=document.querySelectorAll('section.run');if(runs.length<2)return;"
    "var nav=document.createElement('nav');nav.className='index';"
    "nav.setAttribute('aria-label','runs');"
    "var h=document.createElement('h2');h.textContent='Runs ('+runs.length+')';"
    "nav.appendChild(h);var ol=document.createElement('ol');"
    "runs.forEach(function(r){var li=document.createElement('li'),a=document.createElement('a');"
    "a.href='#'+r.id;a.textContent=r.dataset.name;li.appendChild(a);"
    "var v=document.createElement('span');v.className='verdict v-'+r.dataset.verdict;"
    "v.textContent=r.dataset.verdict.toUpperCase();li.appendChild(v);"
    "li.className='entry';li.dataset.verdict=r.dataset.verdict;ol.appendChild(li);});"
    "nav.appendChild(ol);var h1=document.querySelector('h1');"
    "h1.parentNode.insertBefore(nav,h1.nextSibling);"
    "})();";

void render_html_begin(FILE *out, const char *title, const char *version)
{
	fprintf(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
	fprintf(out, "<meta name=\"generator\" content=\"bindlab %s\">\n", version);
	fputs("<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n", out);
	/* nothing may be fetched, not even by a stray attribute */
	fputs("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n<title>",
	      out);
	html_text(out, title);
	fprintf(out, "</title>\n<style>%s", page_css);
	ladder_svg_style(out);
	fputs("</style>\n</head>\n<body>\n<h1>", out);
	html_text(out, title);
	fputs("</h1>\n", out);
}

void render_html_end(FILE *out)
{
	fprintf(out, "<script>%s</script>\n</body>\n</html>\n", page_js);
}

/* A name for the section's anchor, the same for the same run. */
static unsigned long run_id(const struct plan *plan, const struct result *res)
{
	uint64_t h = 1469598103934665603ull;
	const char *parts[2] = {plan->file, plan->variant};

	for (int k = 0; k < 2; k++)
		for (const char *s = parts[k]; *s; s++)
			h = (h ^ (unsigned char)*s) * 1099511628211ull;
	h ^= res->t0;
	return (unsigned long)(h & 0xffffffffu);
}

static void facts(FILE *out, const struct plan *plan, const struct result *res)
{
	char a[64];

	fputs("<dl class=\"facts\"><dt>file</dt><dd><code>", out);
	html_text(out, plan->file);
	fputs("</code></dd><dt>kernel</dt><dd><code>", out);
	html_text(out, res->kernel[0] ? res->kernel : "?");
	fprintf(out, "</code></dd><dt>mode</dt><dd>%s</dd><dt>world</dt><dd>",
		res->rootless ? "rootless (user namespace)" : "root");
	for (int h = 0; h < plan->nhosts; h++) {
		fputs(h ? (plan->nhosts == 2 ? " &lt;-veth-&gt; " : ", ") : "", out);
		fputs("<b>", out);
		html_text(out, plan->hosts[h].name);
		fputs("</b>", out);
		for (int k = 0; k < plan->hosts[h].naddrs; k++)
			fprintf(out, " <code>%s</code>",
				addr_str(&plan->hosts[h].addrs[k], a, sizeof(a)));
	}
	if (res->world_ns)
		fprintf(out, "; ready in %.1f ms, capture ready at %.1f ms, verdict at %.1f ms",
			(double)res->world_ns / 1e6, (double)res->capture_ns / 1e6,
			(double)res->verdict_ns / 1e6);
	fputs("</dd>", out);
	for (int k = 0; k < res->nsysctls; k++) {
		fputs("<dt>sysctl</dt><dd><code>", out);
		html_text(out, res->sysctls[k].key);
		fputc('=', out);
		html_text(out, res->sysctls[k].value);
		fputs("</code> (", out);
		html_text(out, res->sysctl_host[k] < 0 ? "bindlab default, every host"
						       : plan->hosts[res->sysctl_host[k]].name);
		fputs(")</dd>", out);
	}
	for (int k = 0; k < res->npcaps; k++) {
		fputs("<dt>pcap</dt><dd><code>", out);
		html_text(out, res->pcaps[k]);
		fputs("</code></dd>", out);
	}
	if (res->drops || res->bad_frames)
		fprintf(out,
			"<dt>capture</dt><dd>%u frames dropped by the kernel, %u that did not "
			"decode</dd>",
			res->drops, res->bad_frames);
	fputs("</dl>\n", out);
}

/* What the check's event said, or "". */
static const char *check_msg(const struct result *res, int step, int *ok)
{
	for (size_t i = res->tl.n; i-- > 0;)
		if (res->tl.ev[i].kind == EV_CHECK && res->tl.ev[i].u.check.step == step) {
			*ok = res->tl.ev[i].u.check.ok;
			return res->tl.ev[i].u.check.msg;
		}
	return "";
}

/* Every expectation with its verdict, the failed one first in the eye. */
static void expectations(FILE *out, const struct plan *plan, const struct result *res)
{
	int any = 0;

	for (int s = 0; s < plan->nsteps; s++) {
		const struct plan_step *st = &plan->steps[s];
		enum outcome oc = s < res->nsteps ? res->outcomes[s] : OUTCOME_NOT_RUN;
		static const char *const word[] = {"not run", "ok", "differs", "FAIL"};
		int ok = 1;
		const char *msg;

		if (!plan_step_is_check(st) && oc != OUTCOME_FAILED && oc != OUTCOME_DIFFERS)
			continue;
		if (!any++)
			fputs("<table class=\"checks\"><caption>expectations</caption>"
			      "<tr><th>line</th><th>expectation</th><th>verdict</th><th>seen</th></"
			      "tr>\n",
			      out);
		msg = check_msg(res, s, &ok);
		fprintf(out, "<tr class=\"%s\"><td>%d</td><td><code>",
			oc == OUTCOME_FAILED ? "fail" : "", st->pos.line);
		html_text(out, st->text);
		fprintf(out, "</code></td><td class=\"res\">%s</td><td>", word[oc]);
		html_text(out, msg);
		fputs("</td></tr>\n", out);
	}
	if (any)
		fputs("</table>\n", out);
}

static void programs(FILE *out, const struct plan *plan, const struct result *res)
{
	for (int k = 0; k < res->nprogs; k++) {
		const struct result_program *pg = &res->progs[k];
		char how[128];

		render_prog_end(pg, how, sizeof(how));
		fputs("<p>program <code>", out);
		html_text(out, pg->cmd);
		fprintf(out, "</code>, pid %d, started at line %d: ", pg->pid,
			plan->steps[pg->step].pos.line);
		html_text(out, how);
		if (!pg->traced) {
			fputs("; not traced: ", out);
			html_text(out, pg->why_untraced);
		}
		fputs("</p>\n", out);
		for (int which = 0; which < 2; which++) {
			const char *buf = which ? pg->err : pg->out;
			size_t len = which ? pg->errlen : pg->outlen;
			char tmp[RESULT_OUTPUT_MAX + 1];

			if (!len)
				continue;
			memcpy(tmp, buf, len);
			tmp[len] = '\0';
			fprintf(out, "<details><summary>%s (%zu bytes)</summary><pre>",
				which ? "stderr" : "stdout", len);
			html_text(out, tmp);
			fputs("</pre></details>\n", out);
		}
	}
}

static void legend(FILE *out)
{
	fputs("<p class=\"legend\">"
	      "<span><i class=\"sw\" style=\"background:#bfe6bf\"></i>LISTEN</span>"
	      "<span><i class=\"sw\" style=\"background:#b9dcf7\"></i>ESTABLISHED</span>"
	      "<span><i class=\"sw\" style=\"background:#ffd49a\"></i>TIME_WAIT</span>"
	      "<span>band: a socket's state where the run saw it (its name is written on it; "
	      "dashed: the run did not see it end)</span>"
	      "<span>red dashed box: the call returned -1</span>"
	      "<span>Tab or hover: an element in full below</span></p>\n",
	      out);
}

static void html(FILE *out, const struct plan *plan, const struct result *res,
		 const struct render_opts *o)
{
	struct ladder l;
	char err[ERRLEN];

	(void)o;
	fprintf(out, "<section class=\"run\" id=\"run-%08lx\" data-verdict=\"%s\" data-name=\"",
		run_id(plan, res), verdict_word[res->verdict]);
	html_text(out, plan->name);
	if (plan->variant[0]) {
		fputs(" [", out);
		html_text(out, plan->variant);
		fputc(']', out);
	}
	fputs("\">\n<h2>", out);
	html_text(out, plan->name);
	if (plan->variant[0]) {
		fputs(" <small>[", out);
		html_text(out, plan->variant);
		fputs("]</small>", out);
	}
	fprintf(out, " <span class=\"verdict v-%s\">%s</span></h2>\n", verdict_word[res->verdict],
		res->verdict == VERDICT_PASS   ? "PASS"
		: res->verdict == VERDICT_FAIL ? "FAIL"
					       : "ERROR");
	if (res->verdict == VERDICT_ERROR) {
		fputs("<p class=\"error\"><b>ERROR</b> ", out);
		html_text(out, res->error);
		fputs("</p>\n", out);
	}
	if (res->verdict == VERDICT_FAIL && res->failed_step >= 0) {
		fprintf(out, "<p class=\"failed\"><b>FAIL</b> line %d: <code>",
			plan->steps[res->failed_step].pos.line);
		html_text(out, plan->steps[res->failed_step].text);
		fputs("</code></p>\n", out);
	}
	facts(out, plan, res);
	expectations(out, plan, res);
	if (ladder_build(&l, plan, res, err) < 0) {
		fputs("<p>cannot draw the ladder: ", out);
		html_text(out, err);
		fputs("</p>\n", out);
	} else {
		legend(out);
		fputs("<div class=\"wrap\">\n", out);
		ladder_svg(out, &l, plan, res, 0);
		fputs("</div>\n<p class=\"detail\" aria-live=\"polite\"></p>\n", out);
		ladder_free(&l);
	}
	programs(out, plan, res);
	fputs("</section>\n", out);
}

const struct renderer render_html = {"html", html};

// SPDX-License-Identifier: GPL-2.0
/* shmdev bench: the table, CSV and JSON reports. */
#include <stdio.h>
#include <string.h>

#include "shmdev-tool.h"
#include "bench.h"

/* A field, quoted when it holds a comma, a quote or a line break. */
void csv_field(FILE *out, const char *s)
{
	if (!s)
		s = "";
	if (!s[strcspn(s, ",\"\r\n")]) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

void json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c == '\t')
			fputs("\\t", out);
		else if (c < 0x20 || c == 0x7f)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

void xml_text(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '&')
			fputs("&amp;", out);
		else if (c == '<')
			fputs("&lt;", out);
		else if (c == '>')
			fputs("&gt;", out);
		else if (c == '"')
			fputs("&quot;", out);
		else if (c == '\'')
			fputs("&apos;", out);
		else if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
			fputc(' ', out);	/* not allowed in XML 1.0 */
		else
			fputc(c, out);
	}
}

const char *plural(unsigned int n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

static const struct result *find(const struct result *res, int nres,
				 enum path path, enum mode mode, size_t n)
{
	int i;

	for (i = 0; i < nres; i++)
		if (res[i].path == path && res[i].mode == mode && res[i].n == n &&
		    !res[i].skipped && res[i].verified)
			return &res[i];
	return NULL;
}

/* The persistent-mode figure of a path (copy and limit have one mode). */
static const struct result *base_of(const struct result *res, int nres,
				    enum path path, size_t n)
{
	return find(res, nres, path, M_PERSISTENT, n);
}

void fmt_time(double s, char *buf, size_t len)
{
	if (s < 1e-6)
		snprintf(buf, len, "%.0fns", s * 1e9);
	else if (s < 1e-3)
		snprintf(buf, len, "%.1fus", s * 1e6);
	else if (s < 1)
		snprintf(buf, len, "%.2fms", s * 1e3);
	else
		snprintf(buf, len, "%.3fs", s);
}

static void fmt_ratio(const struct result *base, const struct result *r,
		      int inverse, char *buf, size_t len)
{
	if (!base || !r || r->median <= 0 || base->median <= 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.2fx", inverse ? r->median / base->median :
			 base->median / r->median);
}

/* Memory traffic of the median run: each element read and written once. */
double gb_per_s(const struct result *r)
{
	return r->median > 0 ? 16.0 * (double)r->n / r->median / 1e9 : 0;
}

void print_table(const struct opts *o, const struct result *res,
			int nres, const struct setup_result *setup, int nsetup)
{
	char med[16], mn[16], mx[16], vs[16], vc[16], vl[16], hg[24];
	int i;

	printf("shmdev bench: double every int64 of a list in parallel, %u %s%s%s\n",
	       o->workers, plural(o->workers, "process", "processes"),
	       o->label ? ", " : "", o->label ? o->label : "");
	printf("%10s %-8s %-13s %10s %10s %10s %8s %8s %8s %7s %9s %9s %s\n",
	       "N", "path", "mode", "median", "min", "max", "vs sysv",
	       "vs copy", "/ limit", "GB/s", "faults", "huge", "ok");
	for (i = 0; i < nres; i++) {
		const struct result *r = &res[i];

		if (r->skipped) {
			printf("%10zu %-8s %-13s skipped: %s\n", r->n,
			       path_names[r->path], mode_names[r->mode], r->why);
			continue;
		}
		fmt_time(r->median, med, sizeof(med));
		fmt_time(r->min, mn, sizeof(mn));
		fmt_time(r->max, mx, sizeof(mx));
		fmt_ratio(base_of(res, nres, P_SYSV, r->n), r, 0, vs, sizeof(vs));
		fmt_ratio(base_of(res, nres, P_COPY, r->n), r, 0, vc, sizeof(vc));
		fmt_ratio(base_of(res, nres, P_LIMIT, r->n), r, 1, vl, sizeof(vl));
		format_size(r->huge_bytes, hg, sizeof(hg));
		printf("%10zu %-8s %-13s %10s %10s %10s %8s %8s %8s %7.2f %9ld %9s %s\n",
		       r->n, path_names[r->path], mode_names[r->mode], med, mn,
		       mx, vs, vc, vl, gb_per_s(r), r->minflt, hg,
		       r->verified ? "yes" : r->why);
	}
	printf("\n/ limit: median over the floor's in the same rounds; GB/s: the 16 N\n"
	       "bytes each run reads and writes over the median (the floor's at\n"
	       "large N is the memory bandwidth this job can have here)\n");
	if (!nsetup)
		return;
	printf("\nsetup: create + map + first touch of %zu MiB, per GiB\n",
	       o->setup_bytes >> 20);
	printf("%-8s %12s %12s %12s\n", "path", "s/GiB", "faults/GiB",
	       "huge");
	for (i = 0; i < nsetup; i++) {
		const struct setup_result *s = &setup[i];
		double scale = (double)(1ull << 30) / (double)o->setup_bytes;

		if (s->skipped) {
			printf("%-8s skipped: %s\n", path_names[s->path], s->why);
			continue;
		}
		format_size(s->huge_bytes, hg, sizeof(hg));
		printf("%-8s %12.3f %12.0f %12s\n", path_names[s->path],
		       s->secs_per_gib, (double)s->minflt * scale, hg);
	}
}

void print_csv(FILE *out, const struct opts *o,
		      const struct result *res, int nres,
		      const struct setup_result *setup, int nsetup)
{
	char vs[3][16];
	int i, k;

	fprintf(out, "kind,label,workers,n,path,mode,iterations,median_s,min_s,max_s,vs_sysv,vs_copy,over_limit,minor_faults_per_round,huge_bytes,verified,gb_per_s\n");
	for (i = 0; i < nres; i++) {
		const struct result *r = &res[i];
		const struct result *base[3] = {
			base_of(res, nres, P_SYSV, r->n),
			base_of(res, nres, P_COPY, r->n),
			base_of(res, nres, P_LIMIT, r->n),
		};

		if (r->skipped)
			continue;
		/* Empty where the table shows "-": no figure to compare. */
		for (k = 0; k < 3; k++) {
			double a = k < 2 ? (base[k] ? base[k]->median : 0) : r->median;
			double b = k < 2 ? r->median : (base[k] ? base[k]->median : 0);

			if (base[k] && a > 0 && b > 0)
				snprintf(vs[k], sizeof(vs[k]), "%.4f", a / b);
			else
				vs[k][0] = 0;
		}
		fputs("run,", out);
		csv_field(out, o->label);
		fprintf(out, ",%u,%zu,%s,%s,%d,%.9f,%.9f,%.9f,%s,%s,%s,%ld,%llu,%d,%.3f\n",
		       o->workers, r->n,
		       path_names[r->path], mode_names[r->mode], r->nt,
		       r->median, r->min, r->max, vs[0], vs[1], vs[2],
		       r->minflt, r->huge_bytes, r->verified, gb_per_s(r));
	}
	for (i = 0; i < nsetup; i++) {
		if (setup[i].skipped)
			continue;
		fputs("setup,", out);
		csv_field(out, o->label);
		fprintf(out, ",%u,%zu,%s,,1,%.6f,,,,,,%ld,%llu,1,\n",
			o->workers, o->setup_bytes, path_names[setup[i].path],
			setup[i].secs_per_gib, setup[i].minflt,
			setup[i].huge_bytes);
	}
}

void print_json(FILE *out, const struct opts *o, const struct result *res,
		int nres, const struct setup_result *setup, int nsetup)
{
	int i, first = 1;

	fprintf(out, "{\"workers\": %u, \"label\": ", o->workers);
	json_string(out, o->label ? o->label : "");
	fprintf(out, ", \"runs\": [");
	for (i = 0; i < nres; i++) {
		const struct result *r = &res[i];

		if (r->skipped)
			continue;
		fprintf(out, "%s\n  {\"n\": %zu, \"path\": \"%s\", \"mode\": \"%s\", \"iterations\": %d, \"median_s\": %.9f, \"min_s\": %.9f, \"max_s\": %.9f, \"minor_faults_per_round\": %ld, \"huge_bytes\": %llu, \"gb_per_s\": %.3f, \"verified\": %s}",
		       first ? "" : ",", r->n, path_names[r->path],
		       mode_names[r->mode], r->nt, r->median, r->min,
		       r->max, r->minflt, r->huge_bytes, gb_per_s(r),
		       r->verified ? "true" : "false");
		first = 0;
	}
	fprintf(out, "\n], \"setup\": [");
	first = 1;
	for (i = 0; i < nsetup; i++) {
		if (setup[i].skipped)
			continue;
		fprintf(out, "%s\n  {\"path\": \"%s\", \"bytes\": %zu, \"s_per_gib\": %.6f, \"minor_faults\": %ld, \"huge_bytes\": %llu}",
		       first ? "" : ",", path_names[setup[i].path],
		       o->setup_bytes, setup[i].secs_per_gib, setup[i].minflt,
		       setup[i].huge_bytes);
		first = 0;
	}
	fprintf(out, "\n]}\n");
}


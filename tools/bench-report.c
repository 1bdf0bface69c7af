// SPDX-License-Identifier: GPL-2.0
/* shmdev bench: the table, CSV and JSON reports. */
#include <stdio.h>

#include "shmdev-tool.h"
#include "bench.h"

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

	printf("shmdev bench: double every int64 of a list in parallel, %u processes%s%s\n",
	       o->workers, o->label ? ", " : "", o->label ? o->label : "");
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
	int i;

	fprintf(out, "kind,label,workers,n,path,mode,iterations,median_s,min_s,max_s,vs_sysv,vs_copy,over_limit,minor_faults_per_round,huge_bytes,verified,gb_per_s\n");
	for (i = 0; i < nres; i++) {
		const struct result *r = &res[i];
		const struct result *s = base_of(res, nres, P_SYSV, r->n);
		const struct result *c = base_of(res, nres, P_COPY, r->n);
		const struct result *l = base_of(res, nres, P_LIMIT, r->n);

		if (r->skipped)
			continue;
		fprintf(out, "run,%s,%u,%zu,%s,%s,%d,%.9f,%.9f,%.9f,%.4f,%.4f,%.4f,%ld,%llu,%d,%.3f\n",
		       o->label ? o->label : "", o->workers, r->n,
		       path_names[r->path], mode_names[r->mode], r->nt,
		       r->median, r->min, r->max,
		       s ? s->median / r->median : 0, c ? c->median / r->median : 0,
		       l ? r->median / l->median : 0, r->minflt, r->huge_bytes,
		       r->verified, gb_per_s(r));
	}
	for (i = 0; i < nsetup; i++)
		if (!setup[i].skipped)
			fprintf(out, "setup,%s,%u,%zu,%s,,1,%.6f,,,,,,%ld,%llu,1,\n",
			       o->label ? o->label : "", o->workers,
			       o->setup_bytes, path_names[setup[i].path],
			       setup[i].secs_per_gib, setup[i].minflt,
			       setup[i].huge_bytes);
}

void print_json(const struct opts *o, const struct result *res,
		       int nres, const struct setup_result *setup, int nsetup)
{
	int i, first = 1;

	printf("{\"workers\": %u, \"label\": \"%s\", \"runs\": [", o->workers,
	       o->label ? o->label : "");
	for (i = 0; i < nres; i++) {
		const struct result *r = &res[i];

		if (r->skipped)
			continue;
		printf("%s\n  {\"n\": %zu, \"path\": \"%s\", \"mode\": \"%s\", \"iterations\": %d, \"median_s\": %.9f, \"min_s\": %.9f, \"max_s\": %.9f, \"minor_faults_per_round\": %ld, \"huge_bytes\": %llu, \"gb_per_s\": %.3f, \"verified\": %s}",
		       first ? "" : ",", r->n, path_names[r->path],
		       mode_names[r->mode], r->nt, r->median, r->min,
		       r->max, r->minflt, r->huge_bytes, gb_per_s(r),
		       r->verified ? "true" : "false");
		first = 0;
	}
	printf("\n], \"setup\": [");
	first = 1;
	for (i = 0; i < nsetup; i++) {
		if (setup[i].skipped)
			continue;
		printf("%s\n  {\"path\": \"%s\", \"bytes\": %zu, \"s_per_gib\": %.6f, \"minor_faults\": %ld, \"huge_bytes\": %llu}",
		       first ? "" : ",", path_names[setup[i].path],
		       o->setup_bytes, setup[i].secs_per_gib, setup[i].minflt,
		       setup[i].huge_bytes);
		first = 0;
	}
	printf("\n]}\n");
}


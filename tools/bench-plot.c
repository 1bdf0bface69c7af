// SPDX-License-Identifier: GPL-2.0
/* shmdev bench: an SVG chart of the results. */
#include <errno.h>
#include <math.h>
#include <stdio.h>

#include "bench.h"

/* An SVG chart: median seconds per iteration against N, log-log. */
int write_plot(const struct opts *o, FILE *f, const struct result *res,
	       int nres)
{
	static const char *const colors[] = {
		"#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#000000",
		"#7f7f7f",
	};
	const double W = 820, H = 480, L = 80, R = 230, T = 40, B = 60;
	const struct result *last;
	double xmin = 1e300, xmax = 0, ymin = 1e300, ymax = 0, e;
	int i, pth, md, first, legend = 0;

	for (i = 0; i < nres; i++) {
		if (res[i].skipped || !res[i].verified)
			continue;
		xmin = fmin(xmin, (double)res[i].n);
		xmax = fmax(xmax, (double)res[i].n);
		ymin = fmin(ymin, res[i].median);
		ymax = fmax(ymax, res[i].median);
	}
	if (xmax <= 0) {
		fclose(f);
		return -ENODATA;
	}
	xmin = pow(10, floor(log10(xmin)));
	xmax = pow(10, ceil(log10(xmax)));
	ymin = pow(10, floor(log10(ymin)));
	ymax = pow(10, ceil(log10(ymax)));
	if (xmax <= xmin)
		xmax = xmin * 10;
	if (ymax <= ymin)
		ymax = ymin * 10;
#define X(v) (L + (log10(v) - log10(xmin)) / (log10(xmax) - log10(xmin)) * (W - L - R))
#define Y(v) (H - B - (log10(v) - log10(ymin)) / (log10(ymax) - log10(ymin)) * (H - T - B))
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" font-family=\"sans-serif\" font-size=\"12\">\n",
		W, H);
	fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
	fprintf(f, "<text x=\"%.0f\" y=\"22\" font-size=\"15\">Doubling N int64 with %u %s: median time per iteration%s",
		L, o->workers, plural(o->workers, "process", "processes"),
		o->label ? " - " : "");
	xml_text(f, o->label);
	fprintf(f, "</text>\n");
	for (e = xmin; e <= xmax * 1.001; e *= 10) {
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"#ddd\"/>\n",
			X(e), T, X(e), H - B);
		fprintf(f, "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">%g</text>\n",
			X(e), H - B + 16, e);
	}
	for (e = ymin; e <= ymax * 1.001; e *= 10) {
		char lab[16];

		fmt_time(e, lab, sizeof(lab));
		fprintf(f, "<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n",
			L, Y(e), W - R, Y(e));
		fprintf(f, "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
			L - 6, Y(e) + 4, lab);
	}
	fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\">N (elements)</text>\n",
		(L + W - R) / 2, H - 20);
	fprintf(f, "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" stroke=\"black\"/>\n",
		L, T, W - L - R, H - T - B);
	for (pth = 0; pth < NPATHS; pth++) {
		for (md = 0; md < NMODES; md++) {
			first = 1;
			last = NULL;
			for (i = 0; i < nres; i++) {
				const struct result *r = &res[i];

				if ((int)r->path != pth || (int)r->mode != md ||
				    r->skipped || !r->verified)
					continue;
				if (first)
					fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s points=\"",
						colors[pth], md ? " stroke-dasharray=\"6 4\"" : "");
				fprintf(f, "%.1f,%.1f ", X((double)r->n), Y(r->median));
				first = 0;
				if (!last || r->n > last->n)
					last = r;
			}
			if (first)
				continue;
			fprintf(f, "\"/>\n");
			fprintf(f, "<line x1=\"%.0f\" y1=\"%d\" x2=\"%.0f\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"%s/>\n",
				W - R + 10, (int)T + 10 + legend * 18, W - R + 34,
				(int)T + 10 + legend * 18, colors[pth],
				md ? " stroke-dasharray=\"6 4\"" : "");
			/* With the bandwidth the series reached at its largest N. */
			fprintf(f, "<text x=\"%.0f\" y=\"%d\">%s%s, %.1f GB/s</text>\n",
				W - R + 40, (int)T + 14 + legend * 18,
				path_names[pth], md ? " per-iter" : "",
				gb_per_s(last));
			legend++;
		}
	}
#undef X
#undef Y
	fprintf(f, "</svg>\n");
	return fclose(f) ? -errno : 0;
}


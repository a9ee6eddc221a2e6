# Statistics shared by the benchmark reports (report.sh, latency-report.sh);
# each prepends this file to its awk program.

# The median of a[1..n] (sorts a in place).
function median(a, n,   i, j, t) {
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}

# Two-sided 95% quantile of Student t with DF degrees of freedom (rounded
# down: an interval is never narrower than it should be).
function t975(df,   t) {
	split("12.706 4.303 3.182 2.776 2.571 2.447 2.365 2.306 2.262 2.228 2.201 2.179 2.160 2.145 2.131 2.120 2.110 2.101 2.093 2.086 2.080 2.074 2.069 2.064 2.060 2.056 2.052 2.048 2.045 2.042", t, " ")
	df = int(df)
	return df < 1 ? 1e9 : df <= 30 ? t[df] : 1.96 + 2.5 / df
}

function abs(x) { return x < 0 ? -x : x }

# log(Gamma(x)) for x > 0 (Lanczos' approximation, error below 2e-10).
function lngamma(x,   c, s, j, y, tmp) {
	split("76.18009172947146 -86.50532032941677 24.01409824083091 -1.231739572450155 0.001208650973866179 -0.000005395239384953", c, " ")
	y = x; tmp = x + 5.5; tmp -= (x + 0.5) * log(tmp); s = 1.000000000190015
	for (j = 1; j <= 6; j++) s += c[j] / ++y
	return -tmp + log(2.5066282746310005 * s / x)
}

# The continued fraction of the incomplete beta function (modified Lentz).
function betacf(a, b, x,   m, m2, aa, c, d, del, h) {
	c = 1; d = 1 - (a + b) * x / (a + 1)
	if (abs(d) < 1e-30) d = 1e-30
	d = 1 / d; h = d
	for (m = 1; m <= 300; m++) {
		m2 = 2 * m
		aa = m * (b - m) * x / ((a - 1 + m2) * (a + m2))
		d = 1 + aa * d; if (abs(d) < 1e-30) d = 1e-30
		c = 1 + aa / c; if (abs(c) < 1e-30) c = 1e-30
		d = 1 / d; h *= d * c
		aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + 1 + m2))
		d = 1 + aa * d; if (abs(d) < 1e-30) d = 1e-30
		c = 1 + aa / c; if (abs(c) < 1e-30) c = 1e-30
		d = 1 / d; del = d * c; h *= del
		if (abs(del - 1) < 3e-12) break
	}
	return h
}

# The regularized incomplete beta function I_x(a, b).
function betai(a, b, x,   bt) {
	if (x <= 0) return 0
	if (x >= 1) return 1
	bt = exp(lngamma(a + b) - lngamma(a) - lngamma(b) + a * log(x) + b * log(1 - x))
	return x < (a + 1) / (a + b + 2) ? bt * betacf(a, b, x) / a : 1 - bt * betacf(b, a, 1 - x) / b
}

# Two-sided p-value of Student's t statistic T with DF degrees of freedom.
function t_pvalue(t, df) { return betai(df / 2, 0.5, df / (df + t * t)) }

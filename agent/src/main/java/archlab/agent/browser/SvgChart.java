package archlab.agent.browser;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A small chart drawn as inline SVG on the server: dots (each may link to an experiment), lines and
 * step lines, on a linear or logarithmic x axis.
 *
 * <p>Why not JFreeChart, which draws the report's PNG figures: the browser's charts must be
 * clickable (a Pareto point opens its experiment) and live in the page without a charting script
 * or a CDN. JFreeChart draws to a Graphics2D; getting links per point out of it would need an SVG
 * Graphics2D plus an image map of its entities, more code than the three kinds of chart here.
 */
final class SvgChart {
    /** One point; {@code href} and {@code title} are optional (a link, a tooltip). */
    record Point(double x, double y, String href, String title) {
        Point(double x, double y) {
            this(x, y, null, null);
        }
    }

    enum Style { DOTS, LINE, STEP }

    record Series(String name, String color, Style style, List<Point> points) {
    }

    static final String[] PALETTE = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2",
        "#17becf"};

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final List<Series> series = new ArrayList<>();
    private boolean logX;
    private boolean logY;
    private String cssClass = "chart";

    SvgChart(String title, String xLabel, String yLabel) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    SvgChart logX(boolean v) {
        logX = v;
        return this;
    }

    /** A log y axis: curves that fall by orders of magnitude stay readable after the first steps. */
    SvgChart logY(boolean v) {
        logY = v;
        return this;
    }

    private double yv(double y) {
        return logY ? Math.log10(y) : y;
    }

    SvgChart cssClass(String v) {
        cssClass = v;
        return this;
    }

    SvgChart add(Series s) {
        series.add(s);
        return this;
    }

    boolean isEmpty() {
        return series.stream().allMatch(s -> s.points().stream().noneMatch(this::usable));
    }

    private boolean usable(Point p) {
        return Double.isFinite(p.x()) && Double.isFinite(p.y()) && (!logX || p.x() > 0) && (!logY || p.y() > 0);
    }

    String render(int width, int height) {
        int left = 64;
        int right = 16;
        int top = 28;
        int bottom = 44;
        // Legend entries three to a row, fewer when names are long (full experiment names are): never overlapping.
        int longest = series.stream().mapToInt(x -> x.name().length()).max().orElse(0);
        int perRow = Math.max(1, Math.min(3, (int) ((width - left - right) / (24 + 6.4 * longest))));
        int legend = series.size() > 1 ? 18 * ((series.size() + perRow - 1) / perRow) : 0;
        double x0 = Double.POSITIVE_INFINITY;
        double x1 = Double.NEGATIVE_INFINITY;
        double y0 = Double.POSITIVE_INFINITY;
        double y1 = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (Point p : s.points()) {
                if (!usable(p)) {
                    continue;
                }
                double x = logX ? Math.log10(p.x()) : p.x();
                x0 = Math.min(x0, x);
                x1 = Math.max(x1, x);
                y0 = Math.min(y0, yv(p.y()));
                y1 = Math.max(y1, yv(p.y()));
            }
        }
        StringBuilder svg = new StringBuilder();
        svg.append("<svg class=\"").append(cssClass).append("\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ")
                .append(width).append(' ').append(height + legend).append("\" role=\"img\" aria-label=\"")
                .append(Html.esc(title)).append("\">");
        svg.append("<text class=\"title\" x=\"").append(left).append("\" y=\"18\">").append(Html.esc(title))
                .append("</text>");
        if (x0 > x1) {
            svg.append("<text x=\"").append(width / 2).append("\" y=\"").append(height / 2)
                    .append("\" text-anchor=\"middle\" class=\"empty\">no data yet</text></svg>");
            return svg.toString();
        }
        if (x0 == x1) {
            x0 -= 0.5;
            x1 += 0.5;
        }
        if (y0 == y1) {
            y0 -= Math.max(0.05, Math.abs(y0) * 0.05);
            y1 += Math.max(0.05, Math.abs(y1) * 0.05);
        }
        double pad = (y1 - y0) * 0.05;
        y0 -= pad;
        y1 += pad;
        int pw = width - left - right;
        int ph = height - top - bottom;
        final double fx0 = x0;
        final double fx1 = x1;
        final double fy0 = y0;
        final double fy1 = y1;
        java.util.function.DoubleUnaryOperator sx = v -> left + ((logX ? Math.log10(v) : v) - fx0) / (fx1 - fx0) * pw;
        java.util.function.DoubleUnaryOperator sy = v -> top + (fy1 - yv(v)) / (fy1 - fy0) * ph;

        svg.append("<rect class=\"plot\" x=\"").append(left).append("\" y=\"").append(top).append("\" width=\"")
                .append(pw).append("\" height=\"").append(ph).append("\"/>");
        // Axes: y ticks, then x ticks (decades on a log axis).
        List<Double> yt = new ArrayList<>();
        if (logY) {
            for (int e = (int) Math.ceil(fy0); e <= Math.floor(fy1); e++) {
                yt.add(Math.pow(10, e));
            }
            if (yt.size() < 3) {
                yt.clear();
                for (double t : ticks(Math.pow(10, fy0), Math.pow(10, fy1))) {
                    if (t > 0) {
                        yt.add(t);
                    }
                }
            }
        } else {
            yt.addAll(ticks(fy0, fy1));
        }
        for (double t : yt) {
            double y = sy.applyAsDouble(t);
            svg.append("<line class=\"grid\" x1=\"").append(left).append("\" x2=\"").append(left + pw).append("\" y1=\"")
                    .append(f(y)).append("\" y2=\"").append(f(y)).append("\"/>");
            svg.append("<text class=\"tick\" x=\"").append(left - 6).append("\" y=\"").append(f(y + 4))
                    .append("\" text-anchor=\"end\">").append(Html.esc(tick(t))).append("</text>");
        }
        List<Double> xt = new ArrayList<>();
        if (logX) {
            for (int e = (int) Math.ceil(fx0); e <= Math.floor(fx1); e++) {
                xt.add(Math.pow(10, e));
            }
            if (xt.size() < 3) {
                // Less than a few decades: round values between the ends instead of powers of ten.
                xt.clear();
                for (double t : ticks(Math.pow(10, fx0), Math.pow(10, fx1))) {
                    if (t > 0) {
                        xt.add(t);
                    }
                }
            }
        } else {
            xt.addAll(ticks(fx0, fx1));
        }
        for (double t : xt) {
            double x = sx.applyAsDouble(t);
            svg.append("<line class=\"grid\" x1=\"").append(f(x)).append("\" x2=\"").append(f(x)).append("\" y1=\"")
                    .append(top).append("\" y2=\"").append(top + ph).append("\"/>");
            svg.append("<text class=\"tick\" x=\"").append(f(x)).append("\" y=\"").append(top + ph + 16)
                    .append("\" text-anchor=\"middle\">").append(Html.esc(logX ? Html.count((long) t) : tick(t)))
                    .append("</text>");
        }
        svg.append("<text class=\"label\" x=\"").append(left + pw / 2).append("\" y=\"").append(height - 6)
                .append("\" text-anchor=\"middle\">").append(Html.esc(xLabel)).append("</text>");
        svg.append("<text class=\"label\" transform=\"translate(14,").append(top + ph / 2)
                .append(") rotate(-90)\" text-anchor=\"middle\">").append(Html.esc(yLabel)).append("</text>");

        for (Series s : series) {
            List<Point> pts = s.points().stream().filter(this::usable).toList();
            if (pts.isEmpty()) {
                continue;
            }
            String cls = "series-" + s.style().name().toLowerCase(Locale.ROOT);
            if (s.style() == Style.DOTS) {
                svg.append("<g class=\"").append(cls).append("\" fill=\"").append(s.color()).append("\">");
                for (Point p : pts) {
                    String dot = "<circle cx=\"" + f(sx.applyAsDouble(p.x())) + "\" cy=\"" + f(sy.applyAsDouble(p.y()))
                            + "\" r=\"3.5\">" + (p.title() == null ? "" : "<title>" + Html.esc(p.title()) + "</title>")
                            + "</circle>";
                    if (p.href() != null) {
                        svg.append("<a class=\"point\" href=\"").append(Html.esc(p.href())).append("\">").append(dot)
                                .append("</a>");
                    } else {
                        svg.append(dot);
                    }
                }
                svg.append("</g>");
            } else {
                StringBuilder d = new StringBuilder();
                for (int i = 0; i < pts.size(); i++) {
                    Point p = pts.get(i);
                    double x = sx.applyAsDouble(p.x());
                    double y = sy.applyAsDouble(p.y());
                    if (i == 0) {
                        d.append('M').append(f(x)).append(' ').append(f(y));
                    } else if (s.style() == Style.STEP) {
                        d.append(" H").append(f(x)).append(" V").append(f(y));
                    } else {
                        d.append(" L").append(f(x)).append(' ').append(f(y));
                    }
                }
                svg.append("<path class=\"").append(cls).append("\" fill=\"none\" stroke=\"").append(s.color())
                        .append("\" d=\"").append(d).append("\"><title>").append(Html.esc(s.name()))
                        .append("</title></path>");
            }
        }
        if (series.size() > 1) {
            int i = 0;
            for (Series s : series) {
                int lx = left + (i % perRow) * (pw / perRow);
                int ly = height + 4 + (i / perRow) * 18;
                svg.append("<rect x=\"").append(lx).append("\" y=\"").append(ly).append("\" width=\"12\" height=\"4\" fill=\"")
                        .append(s.color()).append("\"/><text class=\"legend\" x=\"").append(lx + 16).append("\" y=\"")
                        .append(ly + 6).append("\">").append(Html.esc(s.name())).append("</text>");
                i++;
            }
        }
        svg.append("</svg>");
        return svg.toString();
    }

    /** About five round tick values between a and b. */
    static List<Double> ticks(double a, double b) {
        double span = b - a;
        double step = Math.pow(10, Math.floor(Math.log10(span / 5)));
        double[] mult = {1, 2, 2.5, 5, 10};
        for (double m : mult) {
            if (span / (step * m) <= 6) {
                step *= m;
                break;
            }
        }
        List<Double> out = new ArrayList<>();
        for (double t = Math.ceil(a / step) * step; t <= b + step * 1e-9; t += step) {
            out.add(Math.abs(t) < step * 1e-9 ? 0 : t);
        }
        return out;
    }

    private static String tick(double t) {
        if (Math.abs(t) >= 1e4) {
            return Html.count(Math.round(t));
        }
        return Html.number(t);
    }

    private static String f(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }
}

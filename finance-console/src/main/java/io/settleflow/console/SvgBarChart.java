package io.settleflow.console;

import java.util.List;
import java.util.Locale;

/**
 * A horizontal bar chart as inline SVG (the browser has no internet, so no chart library from a
 * CDN): one labelled bar per value, scaled to the largest value or a fixed maximum.
 */
public final class SvgBarChart {
  public static final int WIDTH = 560;
  public static final int BAR_HEIGHT = 22;
  public static final int LABEL_WIDTH = 190;
  public static final int VALUE_WIDTH = 90;

  /** At most this many bars are drawn; the rest are summarised in one line. */
  public static final int MAX_BARS = 40;

  private SvgBarChart() {}

  /** One bar: its label, its length and the text printed after it. */
  public record Bar(String label, double value, String text) {}

  /**
   * @param max the value of a full-length bar; 0 or less means the largest bar's value
   */
  public static String render(String title, List<Bar> bars, double max) {
    List<Bar> shown = bars.size() > MAX_BARS ? bars.subList(0, MAX_BARS) : bars;
    double full = max > 0 ? max : shown.stream().mapToDouble(Bar::value).max().orElse(0);
    int rows = Math.max(1, shown.size()) + (bars.size() > MAX_BARS ? 1 : 0);
    int height = 30 + rows * (BAR_HEIGHT + 6);
    int room = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
    StringBuilder svg = new StringBuilder();
    svg.append(
            String.format(
                Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"%d\""
                    + " height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\">",
                WIDTH,
                height,
                WIDTH,
                height,
                escape(title)))
        .append("<title>")
        .append(escape(title))
        .append("</title>")
        .append("<text x=\"0\" y=\"16\" class=\"chart-title\">")
        .append(escape(title))
        .append("</text>");
    if (shown.isEmpty()) {
      svg.append("<text x=\"0\" y=\"44\" class=\"chart-empty\">no data yet</text>");
    }
    int y = 28;
    for (Bar bar : shown) {
      double ratio = full > 0 ? Math.max(0, Math.min(1, bar.value() / full)) : 0;
      long length = Math.round(ratio * room);
      svg.append(
          String.format(
              Locale.ROOT,
              "<g class=\"bar\"><text x=\"0\" y=\"%d\">%s</text>"
                  + "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"></rect>"
                  + "<text x=\"%d\" y=\"%d\">%s</text></g>",
              y + 16,
              escape(bar.label()),
              LABEL_WIDTH,
              y,
              length,
              BAR_HEIGHT,
              LABEL_WIDTH + length + 6,
              y + 16,
              escape(bar.text())));
      y += BAR_HEIGHT + 6;
    }
    if (bars.size() > MAX_BARS) {
      svg.append(
          String.format(
              Locale.ROOT,
              "<text x=\"0\" y=\"%d\">… and %d more</text>",
              y + 16,
              bars.size() - MAX_BARS));
    }
    return svg.append("</svg>").toString();
  }

  /** Text made safe for XML content and attributes. */
  public static String escape(String text) {
    if (text == null) {
      return "";
    }
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '&' -> out.append("&amp;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }
}

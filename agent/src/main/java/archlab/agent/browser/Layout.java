package archlab.agent.browser;

/**
 * The frame every page shares: the header with the campaign's navigation, the live-update hook and
 * the two assets served from the jar ({@code /static/browser.css}, {@code /static/browser.js}). No
 * inline script: the pages are sent with a Content-Security-Policy that forbids it.
 */
final class Layout {
    private Layout() {
    }

    /** Which part of the navigation is current. */
    enum Tab { OVERVIEW, EXPERIMENTS, TREE, WORKED, KNOWLEDGE, COMPARE, NONE }

    /**
     * A whole page. {@code campaign} may be null (the campaign list, compare, errors).
     * {@code liveMode} tells browser.js what to do on a change: {@code fragment} re-reads the page's
     * {@code #live} part, {@code notice} only says that something changed, null turns live updates off.
     */
    static String page(String title, BrowsedCampaign campaign, Tab tab, String liveMode, String extraBodyAttrs,
                       String body) {
        StringBuilder h = new StringBuilder(body.length() + 2048);
        h.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                .append("<title>").append(Html.esc(title)).append(" · archlab</title>")
                .append("<link rel=\"stylesheet\" href=\"/static/browser.css\">")
                .append("<script src=\"/static/browser.js\" defer></script></head><body");
        if (campaign != null && liveMode != null) {
            h.append(" data-events=\"/api/c/").append(Html.url(campaign.slug())).append("/events\" data-live=\"")
                    .append(liveMode).append("\" data-version=\"").append(campaign.index().version()).append('"');
        }
        if (extraBodyAttrs != null) {
            h.append(' ').append(extraBodyAttrs);
        }
        h.append("><header><a class=\"brand\" href=\"/\">archlab</a>");
        if (campaign != null) {
            String base = "/c/" + Html.url(campaign.slug());
            h.append("<span class=\"campaign-name\">").append(Html.esc(campaign.campaign().name())).append("</span><nav>");
            nav(h, base, "overview", Tab.OVERVIEW, tab);
            nav(h, base + "/experiments", "experiments", Tab.EXPERIMENTS, tab);
            nav(h, base + "/tree", "search tree", Tab.TREE, tab);
            nav(h, base + "/worked", "what worked", Tab.WORKED, tab);
            nav(h, base + "/knowledge", "knowledge", Tab.KNOWLEDGE, tab);
            nav(h, "/compare", "compare", Tab.COMPARE, tab);
            h.append("</nav><span id=\"live-status\" class=\"live\" title=\"live updates\">")
                    .append(campaign.campaign().status().name().toLowerCase(java.util.Locale.ROOT)).append("</span>");
        } else {
            h.append("<nav>");
            nav(h, "/compare", "compare", Tab.COMPARE, tab);
            h.append("</nav>");
        }
        h.append("</header><main>").append(body).append("</main></body></html>");
        return h.toString();
    }

    private static void nav(StringBuilder h, String href, String label, Tab me, Tab current) {
        h.append("<a href=\"").append(href).append('"').append(me == current ? " class=\"current\"" : "").append('>')
                .append(label).append("</a>");
    }

    /** The page for a 404 or 400, with the reason. */
    static String error(int status, String message) {
        String title = switch (status) {
            case 404 -> "Not found";
            case 401 -> "Token required";
            case 405 -> "Method not allowed";
            default -> "Bad request";
        };
        return page(title, null, Tab.NONE, null, null, "<h1>" + status + " · " + title + "</h1><p class=\"error\">"
                + Html.esc(message) + "</p><p><a href=\"/\">All campaigns</a></p>");
    }
}

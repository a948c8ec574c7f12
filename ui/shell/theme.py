"""The page's light or dark theme: followed live by the charts, and kept across pages and links.

Streamlit does not rerun a page when the viewer switches theme in the menu, so charts drawn in the
old theme's ink stayed near-black on near-black until something else reran the page. It also keeps
the choice per page address, so dark chosen on the explainer left a teammate's /lab?... link light.
A small component on every page watches the page's background; when it turns light or dark it
reports that (a rerun, so every chart is drawn again in the new ink), and it writes the choice
for every page of the app, so the next page and the next link open in it too. It is not mounted
while a run is in progress: a rerun would stop the run, and the run's end redraws everything.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

STATE_KEY = "_page_dark"  # what the watcher last reported: True dark, False light
PAGES = ("", "lab", "history", "explainer")  # url paths: "" is the default page (the explainer)
SHARED = "overlap-lab-theme"  # the browser's choice, for every page of the app

_JS = """
export default function(component) {
  const { data, setStateValue } = component;
  const ls = window.localStorage, ss = window.sessionStorage;
  const key = (p) => `stActiveTheme-${p}-v2`;
  const here = window.location.pathname;
  const page = data.page;
  let base = here;
  if (page && here.endsWith("/" + page)) base = here.slice(0, here.length - page.length);
  if (!base.endsWith("/")) base += "/";
  const paths = new Set([base, base.length > 1 ? base.slice(0, -1) : base]);
  data.pages.forEach((p) => { if (p) paths.add(base + p); });
  const writeAll = (value) => {
    ls.setItem(data.shared, value);
    paths.forEach((p) => ls.setItem(key(p), value));
  };
  const darkNow = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app) return null;
    const m = getComputedStyle(app).backgroundColor.match(/\\d+(\\.\\d+)?/g);
    if (!m || m.length < 3) return null;
    const [r, g, b] = m.slice(0, 3).map(Number);
    return 0.2126 * r + 0.7152 * g + 0.0722 * b < 128;
  };
  // Once per page load: a page that opened in another theme than the one last chosen in this
  // browser (a link, a page not visited since) takes the choice and loads again, once.
  window.__overlapLabLoaded = window.__overlapLabLoaded || new Set();
  if (!window.__overlapLabLoaded.has(here)) {
    window.__overlapLabLoaded.add(here);
    try {
      const shared = ls.getItem(data.shared), shown = darkNow();
      const wants = shared === '"Dark"' ? true : shared === '"Light"' ? false : null;
      const guard = "overlap-lab-theme-applied" + here;
      if (wants !== null && shown !== null && wants !== shown && ss.getItem(guard) !== shared) {
        ss.setItem(guard, shared);  // once per choice: never a reload loop
        paths.forEach((p) => ls.setItem(key(p), shared));
        window.location.reload();
        return;
      }
    } catch (e) { /* no storage: the theme is then per page, as Streamlit keeps it */ }
  }
  let last = null, sent = data.dark;  // the first tick shares whatever this page already holds
  const tick = () => {
    try {
      const chosen = ls.getItem(key(here));
      if (chosen && chosen !== last) { last = chosen; writeAll(chosen); }
    } catch (e) {}
    const dark = darkNow();
    if (dark !== null && dark !== sent) { sent = dark; setStateValue("dark", dark); }
  };
  tick();
  const timer = setInterval(tick, 300);
  return () => clearInterval(timer);
}
"""

_watcher: Any = None


def _component() -> Any:
    global _watcher
    if _watcher is None:
        _watcher = st.components.v2.component("overlap_lab_theme", js=_JS)
    return _watcher


def follow(page: str) -> None:
    """Mount the watcher on this page (its url path: "" for the default page). Reading the theme
    is `dark()`; call this before anything draws a chart."""
    believed = dark()
    result = _component()(
        key="overlap_lab_theme",
        data={"dark": believed, "page": page, "pages": list(PAGES), "shared": SHARED},
        on_dark_change=lambda: None,
    )
    reported = getattr(result, "dark", None)
    if isinstance(reported, bool):
        st.session_state[STATE_KEY] = reported


def dark() -> bool:
    """Whether the viewer's page is dark: what the watcher reported, else what Streamlit says (it
    can lag a switch in the menu by a run, which is why the watcher exists)."""
    reported = st.session_state.get(STATE_KEY)
    if isinstance(reported, bool):
        return reported
    try:
        return st.context.theme.type == "dark"
    except Exception:  # no browser context, as in a bare script or a test
        return False

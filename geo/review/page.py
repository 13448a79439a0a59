"""The dashboard's Review page (editors only): one incident at a time with its
evidence, sources and position, and the actions of `geo.review.actions`.

Widgets only: every decision goes through `Reviewer`, which checks the role again
on the server, writes the corrections file and the audit log.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo import assets, config, export, mapview
from geo.display import markdown_text as md
from geo.errors import GeoError
from geo.i18n import Texts
from geo.model import INCIDENT_TYPES, Incident
from geo.review import actions, log

K_PICK, K_ALL, K_FLASH = "rv_pick", "rv_all", "_rv_flash"


def _label(inc: Incident, t: Texts) -> str:
    return (f"{inc.event_date or '?'} · {t.type_label(inc.primary_type)} · "
            f"{inc.place or '?'} · {inc.confidence:.2f} · {t(f'status.{inc.status}')} · "
            f"{inc.incident_id}")


def _done(t: Texts, action: str, outcome: actions.Outcome) -> None:
    """Keep the message for the next run, then rerun so every view shows the change."""
    st.session_state[K_FLASH] = ("success", t("review_done", action=t(f"action.{action}"),
                                              ids=", ".join(outcome.incident_ids)))
    st.rerun()


def _count(raw: str, t: Texts) -> int | None:
    raw = raw.strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise GeoError(t("review_bad_number", value=raw))
    return int(raw)


def render(reviewer: actions.Reviewer, prisons: list[Any], t: Texts, lang: str) -> None:
    st.title(t("review_title"))
    st.caption(t("review_caption"))
    if flash := st.session_state.pop(K_FLASH, None):
        getattr(st, flash[0])(md(flash[1]))
    show_all = st.toggle(t("review_show_reviewed"), key=K_ALL)
    queue = actions.queue(reviewer.store, include_reviewed=show_all)
    if not queue:
        st.info(t("review_none"))
    else:
        by_id = {i.incident_id: i for i in queue}
        picked = st.selectbox(t("review_pick"), list(by_id), key=K_PICK,
                              format_func=lambda i: _label(by_id[i], t))
        try:
            _incident(reviewer, by_id[picked or next(iter(by_id))], queue, prisons, t, lang)
        except GeoError as exc:
            st.error(md(exc))
    _log(reviewer, t)


def _incident(reviewer: actions.Reviewer, inc: Incident, queue: list[Incident],
              prisons: list[Any], t: Texts, lang: str) -> None:
    articles = {s.article_id for s in inc.sources if s.article_id}
    st.markdown(md(t("review_summary", status=t(f"status.{inc.status}"),
                     confidence=f"{inc.confidence:.2f}", n=len(inc.sources))))
    left, right = st.columns([1.2, 1])
    with left:
        st.subheader(t("review_evidence"))
        for e in inc.evidence:
            st.markdown(f"- **{md(e.field)}**: {md(e.quote)}")
        st.subheader(t("review_sources"))
        for s in inc.sources:
            name = md(" · ".join(x for x in (s.source, s.title, str(s.published or ""))
                                 if x))
            url = mapview.safe_url(s.url)
            st.markdown(f"- [{name}]({url})" if url else f"- {name}")
    with right:
        frame = export.incidents_frame([inc])
        if mapview.pinnable_mask(frame).any():
            data = mapview.map_data(frame, [], lang=lang)
            base = assets.static_base_url()
            st_folium(mapview.build_map(
                data, tiles=config.tiles(), asset_base=base, recent=0,
                data_url=assets.publish(data.incidents_json, data.incidents_name, base=base),
                view=(inc.lat, inc.lon, 11)), key="review_map", height=300,
                use_container_width=True, returned_objects=[])
    with st.form("rv_decide"):
        reason = st.text_input(t("review_reason"))
        c1, c2, c3 = st.columns(3)
        verify = c1.form_submit_button(t("review_verify"), icon=":material/verified:")
        reject = c2.form_submit_button(t("review_reject"), icon=":material/block:")
        restore = (c3.form_submit_button(t("review_restore"))
                   if inc.status != "auto" else False)
    if verify:
        _done(t, "verify", reviewer.verify(inc.incident_id, reason.strip() or None))
    if reject:
        _done(t, "reject", reviewer.reject(inc.incident_id, reason))
    if restore:
        _done(t, "restore", reviewer.restore(inc.incident_id, reason.strip() or None))
    _edit(reviewer, inc, prisons, t)
    others = [i for i in queue if i.incident_id != inc.incident_id]
    with st.form("rv_merge"):
        other = st.selectbox(t("review_merge_with"), [i.incident_id for i in others],
                             index=None, placeholder=t("choose"),
                             format_func=lambda i: _label(next(o for o in others
                                                               if o.incident_id == i), t))
        merge = st.form_submit_button(t("review_merge"), icon=":material/merge:")
    if merge and other:
        _done(t, "merge", reviewer.merge(inc.incident_id, [other]))
    if len(articles) > 1 and st.button(t("review_split"), icon=":material/call_split:"):
        _done(t, "split", reviewer.split(inc.incident_id))


def _edit(reviewer: actions.Reviewer, inc: Incident, prisons: list[Any], t: Texts) -> None:
    names = {p.id: f"{p.name} ({p.department})" for p in prisons}
    ids = sorted(names, key=names.get)
    with st.form("rv_edit"):
        st.subheader(t("review_edit"))
        prison = st.selectbox(t("review_prison"), ids, format_func=names.get,
                              index=ids.index(inc.prison_id) if inc.prison_id in ids else None,
                              placeholder=t("choose"))
        when = st.text_input(t("review_date"), value=str(inc.event_date or ""))
        types = st.multiselect(t("review_types"), list(INCIDENT_TYPES), default=[
            x for x in inc.types if x in INCIDENT_TYPES], format_func=t.type_label)
        c1, c2 = st.columns(2)
        killed = c1.text_input(t("review_killed"), value="" if inc.killed is None
                               else str(inc.killed))
        injured = c2.text_input(t("review_injured"), value="" if inc.injured is None
                                else str(inc.injured))
        reason = st.text_input(t("review_reason"), key="rv_edit_reason")
        save = st.form_submit_button(t("review_save"), icon=":material/save:")
    if not save:
        return
    changes: dict[str, Any] = {}
    if prison and prison != inc.prison_id:
        changes |= actions.place_from_prison(next(p for p in prisons if p.id == prison))
    if when.strip() != str(inc.event_date or ""):
        try:
            changes["event_date"] = dt.date.fromisoformat(when.strip()).isoformat() \
                if when.strip() else None
        except ValueError:
            raise GeoError(t("upload_bad_date", value=when.strip())) from None
    if types and types != list(inc.types):
        changes["types"] = types
    for name, raw, now in (("killed", killed, inc.killed), ("injured", injured, inc.injured)):
        value = _count(raw, t)
        if value != now:
            changes[name] = value
    if not changes:
        st.info(t("review_no_change"))
        return
    _done(t, "edit", reviewer.edit(inc.incident_id, changes, reason.strip() or None))


def _log(reviewer: actions.Reviewer, t: Texts) -> None:
    rows = log.entries(reviewer.store.path)
    with st.expander(t("review_log"), icon=":material/history:"):
        if rows:
            shown = pd.DataFrame(rows)[["at", "who", "action", "incident_id", "reason"]]
            st.dataframe(shown.fillna(""), hide_index=True, width="stretch")
        st.download_button(t("review_log_download"), log.to_csv(rows).encode("utf-8"),
                           file_name="review_log.csv", mime="text/csv", on_click="ignore",
                           icon=":material/download:")

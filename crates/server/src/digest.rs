//! Digest rounds: for each confirmed subscription due in the current period, the listings new or
//! changed since its previous digest that match its filters, plus events and trainings of the
//! next four weeks, grouped by kind, in the subscriber's language. Each digest is written to the
//! outbox together with the subscription's period, so a round can run again (after a crash, or
//! on two replicas at once) without a second mail to anyone.

use crate::ServerError;
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc, Weekday};
use chrono_tz::Europe::Helsinki;
use kynnys_domain::{Frequency, Kind, Lang, Vocabularies, to_helsinki};
use kynnys_mailer::{Digest, DigestGroup, DigestItem, Template};
use kynnys_search::{SearchIndex, SearchRequest, Sort};
use kynnys_store::{ListUnsubscribe, NewMail, Store, StoredListing, Subscription};
use std::collections::HashMap;

/// Subscriptions read at a time.
const PAGE: i64 = 200;
/// Most listings in one digest section.
const MAX_ITEMS: usize = 30;
/// How far ahead upcoming events and trainings are listed.
const UPCOMING_DAYS: i64 = 28;

/// When digests go out: a weekday and a time of day in Europe/Helsinki.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DigestSchedule {
    pub weekday: Weekday,
    pub time: NaiveTime,
    /// Send a digest even when nothing is new (off by default).
    pub send_empty: bool,
}

impl Default for DigestSchedule {
    fn default() -> Self {
        Self {
            weekday: Weekday::Mon,
            time: NaiveTime::from_hms_opt(7, 0, 0).unwrap_or(NaiveTime::MIN),
            send_empty: false,
        }
    }
}

/// The period a moment belongs to: `2026-W48` (ISO week, Helsinki) or `2026-11-23`.
pub fn period(frequency: Frequency, now: DateTime<Utc>) -> String {
    let date = to_helsinki(now).date_naive();
    match frequency {
        Frequency::Weekly => {
            let week = date.iso_week();
            format!("{}-W{:02}", week.year(), week.week())
        }
        Frequency::Daily => date.format("%Y-%m-%d").to_string(),
    }
}

/// The Helsinki wall-clock moment `time` on `date` as an instant (DST-correct; a time that does
/// not exist on a spring-forward day moves to the first instant after the gap).
fn helsinki_instant(date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let mut local = date.and_time(time);
    for _ in 0..4 {
        if let Some(t) = Helsinki.from_local_datetime(&local).earliest() {
            return t.with_timezone(&Utc);
        }
        local += TimeDelta::minutes(30);
    }
    local.and_utc()
}

impl DigestSchedule {
    /// The scheduled moment of the period that `now` is in (it may be still to come).
    pub fn moment_of_period(&self, frequency: Frequency, now: DateTime<Utc>) -> DateTime<Utc> {
        let today = to_helsinki(now).date_naive();
        let date = match frequency {
            Frequency::Daily => today,
            Frequency::Weekly => {
                let monday =
                    today - TimeDelta::days(i64::from(today.weekday().num_days_from_monday()));
                monday + TimeDelta::days(i64::from(self.weekday.num_days_from_monday()))
            }
        };
        helsinki_instant(date, self.time)
    }

    /// The next scheduled moment after `now` of any frequency.
    pub fn next_after(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let today = to_helsinki(now).date_naive();
        (0..=8)
            .map(|d| helsinki_instant(today + TimeDelta::days(d), self.time))
            .find(|t| *t > now)
            .unwrap_or(now + TimeDelta::days(1))
    }

    /// Frequencies whose current period's moment has come.
    pub fn due(&self, now: DateTime<Utc>) -> Vec<Frequency> {
        Frequency::ALL
            .iter()
            .copied()
            .filter(|f| self.moment_of_period(*f, now) <= now)
            .collect()
    }
}

/// What a round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RoundReport {
    pub considered: usize,
    pub mailed: usize,
    pub empty: usize,
    /// Already done for this period (by an earlier or concurrent round).
    pub skipped: usize,
}

/// What a digest needs besides the store.
pub struct DigestContext<'a> {
    pub store: &'a Store,
    pub index: &'a SearchIndex,
    pub vocabularies: &'a Vocabularies,
    /// Public base URL without a trailing slash.
    pub public_url: &'a str,
    /// The address the mailto unsubscribe goes to.
    pub unsubscribe_mailto: &'a str,
    pub schedule: DigestSchedule,
}

fn period_label(frequency: Frequency, now: DateTime<Utc>, lang: Lang) -> String {
    let date = to_helsinki(now).date_naive();
    match (frequency, lang) {
        (Frequency::Weekly, Lang::Fi) => format!("viikko {}", date.iso_week().week()),
        (Frequency::Weekly, Lang::Sv) => format!("vecka {}", date.iso_week().week()),
        (Frequency::Weekly, Lang::En) => format!("week {}", date.iso_week().week()),
        (Frequency::Daily, _) => date.format("%-d.%-m.%Y").to_string(),
    }
}

fn request_for(sub: &Subscription) -> SearchRequest {
    SearchRequest::with_filters(&sub.filters, sub.lang, 100)
}

fn item(
    listing: &StoredListing,
    sub: &Subscription,
    ctx: &DigestContext<'_>,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> DigestItem {
    let lang = sub.lang;
    let record = &listing.record;
    let title = record.title.resolve(lang);
    let when = listing
        .schedule_anchor
        .or_else(|| Some(to_helsinki(now).date_naive()))
        .and_then(|anchor| record.next_occurrences(anchor, now, 1).ok())
        .and_then(|next| next.into_iter().next())
        .map(|o| o.starts_at.format("%-d.%-m.%Y %H:%M").to_string());
    let place = record
        .location
        .as_ref()
        .and_then(|l| l.name.as_ref())
        .and_then(|n| n.resolve(lang))
        .map(|r| r.text.to_owned())
        .or_else(|| {
            record
                .municipalities
                .first()
                .and_then(|c| ctx.vocabularies.municipality(c))
                .and_then(|m| m.name.resolve(lang))
                .map(|r| r.text.to_owned())
        });
    DigestItem {
        title: title.map(|r| r.text.to_owned()).unwrap_or_default(),
        title_lang: title.map(|r| r.lang).filter(|l| *l != lang),
        organisation: record
            .organisation
            .name
            .resolve(lang)
            .map(|r| r.text.to_owned())
            .unwrap_or_default(),
        when,
        place,
        link: format!("{}/{}/listings/{}", ctx.public_url, lang.code(), listing.id),
        is_new: listing.created_at > since,
    }
}

/// Composes the digest of a subscription; `None` when there is nothing to tell.
pub fn compose(
    ctx: &DigestContext<'_>,
    sub: &Subscription,
    now: DateTime<Utc>,
) -> Result<Option<(Digest, NewMail)>, ServerError> {
    let since = sub.last_digest_at.unwrap_or(sub.created_at);
    // New or changed: the most recently changed matches, kept when changed since the last digest.
    let changed_hits = ctx.index.search(
        &SearchRequest {
            sort: Sort::Updated,
            ..request_for(sub)
        },
        now,
    )?;
    // Coming events and trainings of the next four weeks.
    let today = to_helsinki(now).date_naive();
    let mut upcoming_request = SearchRequest {
        sort: Sort::NextOccurrence,
        from: Some(today),
        to: Some(today + TimeDelta::days(UPCOMING_DAYS)),
        ..request_for(sub)
    };
    upcoming_request.kinds = if sub.filters.kind.is_empty() {
        vec![Kind::Event, Kind::Training]
    } else {
        sub.filters
            .kind
            .iter()
            .copied()
            .filter(|k| k.is_dated())
            .collect()
    };
    let upcoming_hits = if upcoming_request.kinds.is_empty() {
        Vec::new()
    } else {
        ctx.index.search(&upcoming_request, now)?.items
    };
    let ids: Vec<String> = changed_hits
        .items
        .iter()
        .chain(upcoming_hits.iter())
        .map(|h| h.id.clone())
        .collect();
    let listings: HashMap<String, StoredListing> = ctx
        .store
        .listings_by_ids(&ids)?
        .into_iter()
        .map(|l| (l.id.clone(), l))
        .collect();
    let mut groups: Vec<DigestGroup> = Kind::ALL
        .iter()
        .map(|kind| DigestGroup {
            kind: *kind,
            items: Vec::new(),
        })
        .collect();
    let mut seen = std::collections::HashSet::new();
    let mut fresh = 0;
    for hit in &changed_hits.items {
        let Some(listing) = listings.get(&hit.id) else {
            continue;
        };
        if listing.updated_at <= since || !seen.insert(hit.id.clone()) {
            continue;
        }
        if let Some(group) = groups.iter_mut().find(|g| g.kind == listing.record.kind)
            && group.items.len() < MAX_ITEMS
        {
            group.items.push(item(listing, sub, ctx, since, now));
            fresh += 1;
        }
    }
    for hit in &upcoming_hits {
        let Some(listing) = listings.get(&hit.id) else {
            continue;
        };
        if !seen.insert(hit.id.clone()) {
            continue;
        }
        if let Some(group) = groups.iter_mut().find(|g| g.kind == listing.record.kind)
            && group.items.len() < MAX_ITEMS
        {
            let mut entry = item(listing, sub, ctx, since, now);
            entry.is_new = false;
            group.items.push(entry);
        }
    }
    groups.retain(|g| !g.items.is_empty());
    if fresh == 0 && !ctx.schedule.send_empty {
        return Ok(None);
    }
    let manage_link = format!(
        "{}/subscriptions/manage/{}",
        ctx.public_url, sub.manage_token
    );
    let unsubscribe_link = format!(
        "{}/subscriptions/unsubscribe/{}",
        ctx.public_url, sub.manage_token
    );
    let digest = Digest {
        period_label: period_label(sub.frequency, now, sub.lang),
        filters_summary: sub.filters.describe(ctx.vocabularies, sub.lang),
        groups,
        manage_link,
        unsubscribe_link: unsubscribe_link.clone(),
    };
    let rendered = kynnys_mailer::render(&Template::Digest(&digest), sub.lang)?;
    let mail = NewMail {
        dedupe_key: format!("digest:{}:{}", sub.id, period(sub.frequency, now)),
        recipient: sub.email.clone(),
        kind: "digest".into(),
        subject: rendered.subject,
        body_text: rendered.text,
        body_html: Some(rendered.html),
        list_unsubscribe: Some(ListUnsubscribe {
            url: unsubscribe_link,
            mailto: format!(
                "mailto:{}?subject=unsubscribe%20{}",
                ctx.unsubscribe_mailto, sub.manage_token
            ),
        }),
    };
    Ok(Some((digest, mail)))
}

/// Runs the round of every frequency that is due at `now` (all of them when `force`).
pub fn run_round(
    ctx: &DigestContext<'_>,
    now: DateTime<Utc>,
    force: bool,
) -> Result<RoundReport, ServerError> {
    let mut report = RoundReport::default();
    let frequencies = if force {
        Frequency::ALL.to_vec()
    } else {
        ctx.schedule.due(now)
    };
    for frequency in frequencies {
        let period = period(frequency, now);
        let mut after = String::new();
        loop {
            let page = ctx
                .store
                .subscriptions_due(frequency, &period, &after, PAGE)?;
            let Some(last) = page.last() else { break };
            after = last.id.clone();
            for sub in &page {
                report.considered += 1;
                let composed = compose(ctx, sub, now)?;
                let recorded = ctx.store.record_digest(
                    &sub.id,
                    &period,
                    now,
                    composed.as_ref().map(|(_, m)| m),
                    now,
                )?;
                match (recorded, composed.is_some()) {
                    (false, _) => report.skipped += 1,
                    (true, true) => report.mailed += 1,
                    (true, false) => report.empty += 1,
                }
            }
        }
        tracing::info!(frequency = %frequency, period = %period, mailed = report.mailed, empty = report.empty, "digest round");
    }
    Ok(report)
}

/// What the scheduler thread owns.
pub struct DigestScheduler {
    pub store: Store,
    pub index: std::sync::Arc<SearchIndex>,
    pub vocabularies: std::sync::Arc<Vocabularies>,
    pub public_url: String,
    pub unsubscribe_mailto: String,
    pub schedule: DigestSchedule,
}

impl DigestScheduler {
    pub fn context(&self) -> DigestContext<'_> {
        DigestContext {
            store: &self.store,
            index: &self.index,
            vocabularies: &self.vocabularies,
            public_url: &self.public_url,
            unsubscribe_mailto: &self.unsubscribe_mailto,
            schedule: self.schedule,
        }
    }

    /// Runs the due rounds at start (catching up a missed moment) and then at every scheduled
    /// moment, until `stop` is set. A round that finds everything done writes nothing.
    pub fn spawn(
        self,
        stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    ) -> std::thread::JoinHandle<()> {
        use std::sync::atomic::Ordering;
        std::thread::spawn(move || {
            let mut next = Utc::now();
            while !stop.load(Ordering::Relaxed) {
                let now = Utc::now();
                if now >= next {
                    if let Err(e) = run_round(&self.context(), now, false) {
                        tracing::warn!(error = %e, "digest round failed; retrying in a minute");
                        next = now + TimeDelta::minutes(1);
                    } else {
                        next = self.schedule.next_after(now);
                        tracing::debug!(next = %next, "next digest round");
                    }
                }
                std::thread::sleep(std::time::Duration::from_millis(250));
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn periods_follow_the_helsinki_calendar() {
        // Sunday 23:30 UTC is already Monday in Helsinki.
        assert_eq!(
            period(Frequency::Weekly, at("2026-11-22T23:30:00Z")),
            "2026-W48"
        );
        assert_eq!(
            period(Frequency::Weekly, at("2026-11-22T20:00:00Z")),
            "2026-W47"
        );
        assert_eq!(
            period(Frequency::Daily, at("2026-11-22T23:30:00Z")),
            "2026-11-23"
        );
    }

    #[test]
    fn monday_seven_is_seven_in_helsinki_across_daylight_saving() {
        let schedule = DigestSchedule::default();
        // Winter: UTC+2.
        assert_eq!(
            schedule.moment_of_period(Frequency::Weekly, at("2026-11-25T12:00:00Z")),
            at("2026-11-23T05:00:00Z")
        );
        // Summer: UTC+3.
        assert_eq!(
            schedule.moment_of_period(Frequency::Weekly, at("2026-06-10T12:00:00Z")),
            at("2026-06-08T04:00:00Z")
        );
        // The Monday after the spring change (29 March 2026).
        assert_eq!(
            schedule.moment_of_period(Frequency::Weekly, at("2026-03-30T12:00:00Z")),
            at("2026-03-30T04:00:00Z")
        );
        assert_eq!(
            schedule.next_after(at("2026-03-29T06:00:00Z")),
            at("2026-03-30T04:00:00Z")
        );
    }

    #[test]
    fn a_weekly_round_is_due_from_monday_seven_until_the_week_ends() {
        let schedule = DigestSchedule::default();
        assert!(
            !schedule
                .due(at("2026-11-23T04:59:00Z"))
                .contains(&Frequency::Weekly)
        );
        assert!(
            schedule
                .due(at("2026-11-23T05:00:00Z"))
                .contains(&Frequency::Weekly)
        );
        assert!(
            schedule
                .due(at("2026-11-29T21:00:00Z"))
                .contains(&Frequency::Weekly)
        );
        assert!(
            schedule
                .due(at("2026-11-24T05:00:00Z"))
                .contains(&Frequency::Daily)
        );
    }
}

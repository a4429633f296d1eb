// replay(): the recorded settlements are read first (so that --recorded-only
// knows which persons to settle), the stays are settled as one batch, then
// each recorded settlement is compared with its recomputation in line order.
#include "medsettle/replay.hpp"

#include <unordered_map>
#include <unordered_set>

#include "audit/compare.hpp"
#include "audit/recorded.hpp"
#include "core/engine_internal.hpp"
#include "core/text.hpp"
#include "medsettle/settle.hpp"

namespace medsettle {

namespace {

using audit::Recorded;
using RecordedLine = std::variant<Recorded, ReplayMalformed>;
using detail::message;

const std::string* stay_id_of(const Record& r) { return !r.rejection || r.has_stay_id ? &r.stay.stay_id : nullptr; }
const std::string* person_of(const Record& r) {
  return !r.rejection || r.has_person_id ? &r.stay.person_id : nullptr;
}

/// The stays to settle (null: not settled) and whether each counts in the report.
struct Selection {
  std::vector<const Record*> settle;
  std::vector<bool> reported;
};

/// With recorded_only: every stay of each person that has a recorded stay
/// (the yearly ledger needs the person's earlier stays). Another person's
/// record with one of their stay ids is settled too but not reported: the
/// first copy of a stay id in input order is the one that stands.
Selection select_stays(const std::vector<Record>& stays, const std::vector<RecordedLine>& lines, bool recorded_only) {
  const std::size_t n = stays.size();
  Selection sel{std::vector<const Record*>(n, nullptr), std::vector<bool>(n, true)};
  if (!recorded_only) {
    for (std::size_t i = 0; i < n; ++i) sel.settle[i] = &stays[i];
    return sel;
  }
  std::unordered_set<std::string_view> recorded, persons, chosen;
  for (const RecordedLine& line : lines) {
    if (const auto* m = std::get_if<ReplayMalformed>(&line); m && m->stay_id) recorded.insert(*m->stay_id);
    if (const auto* r = std::get_if<Recorded>(&line)) recorded.insert(r->stay_id);
  }
  for (const Record& r : stays) {
    const std::string *id = stay_id_of(r), *person = person_of(r);
    if (id && person && recorded.count(*id)) persons.insert(*person);
  }
  for (std::size_t i = 0; i < n; ++i) {
    const std::string *id = stay_id_of(stays[i]), *person = person_of(stays[i]);
    if ((id && recorded.count(*id)) || (person && persons.count(*person))) {
      sel.settle[i] = &stays[i];
      if (id) chosen.insert(*id);
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    const std::string* id = stay_id_of(stays[i]);
    if (sel.settle[i] || !id || !chosen.count(*id)) continue;
    sel.settle[i] = &stays[i];
    sel.reported[i] = false;
  }
  return sel;
}

/// The outcomes by stay id (the first settled or rejected record of each),
/// counting the stays settled, rejected and left out.
std::unordered_map<std::string_view, std::size_t> tally_stays(ReplayReport& rep, const Selection& sel,
                                                              const std::vector<Outcome>& outcomes) {
  std::unordered_map<std::string_view, std::size_t> by_id;
  by_id.reserve(outcomes.size());
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    if (!sel.settle[i] || !sel.reported[i]) {
      ++rep.stays_not_settled;
      continue;
    }
    const Outcome& o = outcomes[i];
    if (o.settled()) {
      ++rep.stays_settled;
      ++rep.versions_applied[o.settlement().version];
      by_id.emplace(o.settlement().stay_id, i);
      continue;
    }
    ++rep.stays_rejected;
    const Rejection& r = o.rejection();
    // A later copy of a duplicated stay id is no stay at all; the first stands.
    if (r.stay_id && r.code != ErrorCode::duplicate_stay_id) by_id.emplace(*r.stay_id, i);
  }
  return by_id;
}

/// Notes a recorded rules or digest other than the plan's, grouped per pair.
void note_rule_set(ReplayReport& rep, const Recorded& r) {
  const bool other_rules = r.rules && *r.rules != rep.rules;
  const bool other_digest = r.digest && *r.digest != rep.digest;
  if (!other_rules && !other_digest) return;
  for (ReplayOtherRuleSet& o : rep.other_rule_sets) {
    if (o.rules == r.rules && o.digest == r.digest) {
      ++o.settlements;
      return;
    }
  }
  rep.other_rule_sets.push_back({r.rules, r.digest, 1});
}

/// Compares the recorded settlements in line order; marks the outcomes recorded.
class Reconciler {
 public:
  Reconciler(ReplayReport& rep, const std::vector<Outcome>& outcomes,
             const std::unordered_map<std::string_view, std::size_t>& by_id)
      : rep_(rep), outcomes_(outcomes), by_id_(by_id), recorded_(outcomes.size(), false) {}

  void line(RecordedLine& line) {
    if (auto* m = std::get_if<ReplayMalformed>(&line)) {
      // A malformed line's stay counts as recorded: it is not listed again as "not recorded".
      if (m->stay_id) mark(*m->stay_id);
      rep_.malformed.push_back(std::move(*m));
      return;
    }
    usable(std::get<Recorded>(line));
  }

  [[nodiscard]] bool recorded(std::size_t i) const { return recorded_[i]; }

 private:
  ReplayReport& rep_;
  const std::vector<Outcome>& outcomes_;
  const std::unordered_map<std::string_view, std::size_t>& by_id_;
  std::vector<bool> recorded_;

  void mark(const std::string& id) {
    if (auto it = by_id_.find(id); it != by_id_.end()) recorded_[it->second] = true;
  }

  void usable(const Recorded& r) {
    ++rep_.recorded;
    if (r.version) ++rep_.recorded_versions[*r.version];
    note_rule_set(rep_, r);
    auto it = by_id_.find(r.stay_id);
    if (it == by_id_.end()) {
      rep_.not_recomputable.push_back({r.line, r.stay_id, r.person_id, std::nullopt});
      return;
    }
    recorded_[it->second] = true;
    const Outcome& o = outcomes_[it->second];
    if (!o.settled()) {
      rep_.not_recomputable.push_back({r.line, r.stay_id, r.person_id, o.rejection()});
      return;
    }
    if (audit::compare(rep_, r, o.settlement())) ++rep_.differing_stays;
    else ++rep_.matching_stays;
  }
};

/// Settled now, never recorded: listed; rejected now and never recorded: counted.
void tally_not_recorded(ReplayReport& rep, const Selection& sel, const std::vector<Outcome>& outcomes,
                        const Reconciler& rec) {
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    if (!sel.settle[i] || !sel.reported[i] || rec.recorded(i)) continue;
    const Outcome& o = outcomes[i];
    if (o.settled()) {
      const Settlement& s = o.settlement();
      rep.not_recorded.push_back({s.stay_id, s.person_id, s.buckets.total, s.psn_part_amt});
    } else if (o.rejection().code != ErrorCode::duplicate_stay_id) {
      ++rep.rejected_not_recorded;
    }
  }
}

ReplayReport header(const Plan& plan, const ReplayOptions& options) {
  if (options.as_of && !plan.version_on(*options.as_of)) {
    throw UsageError(
        message(N_("as of {}: no version of rule set {} is in force on that date"), *options.as_of, plan.id()));
  }
  ReplayReport rep;
  rep.rules = plan.id();
  rep.rules_file = plan.file();
  rep.digest = plan.digest();
  rep.as_of = options.as_of;
  rep.recorded_file = options.recorded_file;
  rep.stays_file = options.stays_file;
  rep.recorded_only = options.recorded_only;
  return rep;
}

}  // namespace

ReplayReport replay(const Plan& plan, std::istream& recorded, const std::vector<Record>& stays,
                    const ReplayOptions& options) {
  ReplayReport rep = header(plan, options);
  std::vector<RecordedLine> lines = audit::read_recorded(recorded);
  const Selection sel = select_stays(stays, lines, options.recorded_only);
  std::vector<Outcome> outcomes(stays.size());
  BatchOptions batch;
  batch.settle.as_of = options.as_of;
  batch.threads = options.threads;
  detail::settle_batch_into(plan, sel.settle, outcomes, batch);

  rep.stays_read = stays.size();
  const auto by_id = tally_stays(rep, sel, outcomes);
  Reconciler rec(rep, outcomes, by_id);
  for (RecordedLine& line : lines) rec.line(line);
  tally_not_recorded(rep, sel, outcomes, rec);
  return rep;
}

std::string describe(const ReplayNotRecomputable& item, Language language) {
  if (!item.rejection) return message(N_("missing from the stays")).text(language);
  const Rejection& r = *item.rejection;
  return message(N_("rejected now (line {}): {}: {}"), r.line, name(r.code), r.message_in(language)).text(language);
}

}  // namespace medsettle

// Comparing one recorded settlement with its recomputation: per settlement
// field, per channel (base, deductible, paid, eligible) and per
// fund_pay_type. What the recorded line does not give is counted as not
// compared, never silently passed over.
#include "audit/compare.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace medsettle::audit {

namespace {

std::array<Fen, replay_field_count> fields_of(const Settlement& s) {
  return {s.buckets.total, s.buckets.full_selfpay, s.buckets.over_limit, s.buckets.pre_selfpay,
          s.buckets.in_scope, s.act_pay_dedc, s.hifp_pay, s.hifmi_pay, s.maf_pay, s.hosp_part_amt,
          s.oth_pay, s.fund_pay_sumamt, s.psn_part_amt};
}

std::array<Fen, part_count> parts_of(const ChannelResult& c) { return {c.base, c.deductible, c.paid}; }

/// The rule file's description of the settlement's k-th channel line.
ChannelInfo channel_of(const Settlement& s, std::size_t k) { return s.channel_info(s.channels[k].index); }

ReplayTotal& part(ReplayChannelTotals& ct, std::size_t p) {
  return p == part_base ? ct.base : p == part_deductible ? ct.deductible : ct.paid;
}

/// The entry named `name` of a list of totals, added at the end when new.
template <class T, class Name>
T& entry(std::vector<T>& list, std::string_view name, Name T::*key) {
  for (T& t : list) {
    if (t.*key == name) return t;
  }
  T& t = list.emplace_back();
  t.*key = std::string(name);
  return t;
}

/// One recorded line's differences, as they are found.
class Comparison {
 public:
  Comparison(ReplayReport& rep, const Recorded& r) : rep_(rep), r_(r), before_(rep.differences.size()) {}

  [[nodiscard]] bool differs() const { return rep_.differences.size() != before_; }

  void add(std::string item, std::string was, std::string now, std::optional<Fen> difference = std::nullopt) {
    rep_.differences.push_back({r_.line, r_.stay_id, r_.person_id, std::move(item), std::move(was), std::move(now),
                                difference});
  }

  void money(std::string item, Fen was, Fen now, ReplayTotal& total) {
    if (was == now) return;
    add(std::move(item), format(was), format(now), now - was);
    total.stays += 1;
    total.difference += now - was;
  }

  void not_compared(std::string_view item) { ++entry(rep_.not_compared, item, &ReplayNotCompared::item).lines; }

  ReplayChannelTotals& channel(std::string_view id) {
    return entry(rep_.channel_totals, id, &ReplayChannelTotals::channel);
  }
  ReplayTotal& fund(std::string_view code) {
    return entry(rep_.fund_totals, code, &ReplayFundTotal::fund_pay_type).total;
  }
  ReplayReport& report() { return rep_; }

 private:
  ReplayReport& rep_;
  const Recorded& r_;
  std::size_t before_;
};

void compare_fields(Comparison& cmp, const Recorded& r, const Settlement& s) {
  if (!r.person_id) {
    cmp.not_compared("person_id");
  } else if (*r.person_id != s.person_id) {
    cmp.add("person_id", *r.person_id, s.person_id);
    ++cmp.report().person_id_differs;
  }
  const auto now = fields_of(s);
  for (std::size_t i = 0; i < replay_field_count; ++i) {
    if (!r.fields[i]) {
      cmp.not_compared(replay_fields[i]);
      continue;
    }
    cmp.money(std::string(replay_fields[i]), *r.fields[i], now[i], cmp.report().field_totals[i]);
  }
}

/// A recorded channel against ours (null: we do not list it).
void compare_channel(Comparison& cmp, const RecordedChannel& rc, const ChannelResult* mine) {
  ReplayChannelTotals& ct = cmp.channel(rc.id);
  if (!rc.eligible) cmp.not_compared(fmt::format("channel {}.eligible", rc.id));
  for (std::size_t p = 0; p < part_count; ++p) {
    if (!rc.parts[p]) cmp.not_compared(fmt::format("channel {}.{}", rc.id, part_names[p]));
  }
  if (!mine) {
    cmp.add(fmt::format("channel {}", rc.id), "listed", "absent");
    ++ct.listed_one_side;
  } else if (rc.eligible && *rc.eligible != mine->eligible) {
    cmp.add(fmt::format("channel {}.eligible", rc.id), *rc.eligible ? "true" : "false",
            mine->eligible ? "true" : "false");
    ++ct.eligible_differs;
  }
  const std::array<Fen, part_count> now = mine ? parts_of(*mine) : std::array<Fen, part_count>{};
  for (std::size_t p = 0; p < part_count; ++p) {
    if (rc.parts[p]) cmp.money(fmt::format("channel {}.{}", rc.id, part_names[p]), *rc.parts[p], now[p], part(ct, p));
  }
}

void compare_channels(Comparison& cmp, const std::vector<RecordedChannel>& recorded, const Settlement& s) {
  std::vector<bool> listed(s.channels.size(), false);
  for (const RecordedChannel& rc : recorded) {
    const ChannelResult* mine = nullptr;
    for (std::size_t k = 0; k < s.channels.size() && !mine; ++k) {
      if (channel_of(s, k).id != rc.id) continue;
      mine = &s.channels[k];
      listed[k] = true;
    }
    compare_channel(cmp, rc, mine);
  }
  // Ours, not recorded: every figure against zero.
  for (std::size_t k = 0; k < s.channels.size(); ++k) {
    if (listed[k]) continue;
    const std::string_view id = channel_of(s, k).id;
    ReplayChannelTotals& ct = cmp.channel(id);
    cmp.add(fmt::format("channel {}", id), "absent", "listed");
    ++ct.listed_one_side;
    const auto now = parts_of(s.channels[k]);
    for (std::size_t p = 0; p < part_count; ++p) {
      cmp.money(fmt::format("channel {}.{}", id, part_names[p]), Fen{}, now[p], part(ct, p));
    }
  }
}

void compare_detail(Comparison& cmp, const std::vector<std::pair<std::string, Fen>>& detail, const Settlement& s) {
  // Our channels' paid, summed per fund_pay_type.
  std::vector<std::pair<std::string_view, Fen>> ours;
  for (std::size_t k = 0; k < s.channels.size(); ++k) {
    const std::string_view code = channel_of(s, k).fund_pay_type;
    auto it = std::find_if(ours.begin(), ours.end(), [&](const auto& o) { return o.first == code; });
    if (it == ours.end()) ours.emplace_back(code, s.channels[k].paid);
    else it->second += s.channels[k].paid;
  }
  for (const auto& [code, was] : detail) {
    const std::string_view wanted = code;  // clang before 16 cannot capture a structured binding
    auto it = std::find_if(ours.begin(), ours.end(), [&](const auto& o) { return o.first == wanted; });
    cmp.money(fmt::format("fund_pay_type {}", code), was, it == ours.end() ? Fen{} : it->second, cmp.fund(code));
  }
  for (const auto& [code, now] : ours) {
    const std::string_view wanted = code;
    const bool recorded = std::any_of(detail.begin(), detail.end(), [&](const auto& d) { return d.first == wanted; });
    if (!recorded) cmp.money(fmt::format("fund_pay_type {}", code), Fen{}, now, cmp.fund(code));
  }
}

}  // namespace

bool compare(ReplayReport& rep, const Recorded& r, const Settlement& s) {
  Comparison cmp(rep, r);
  compare_fields(cmp, r, s);
  if (r.channels) compare_channels(cmp, *r.channels, s);
  if (r.detail) compare_detail(cmp, *r.detail, s);
  if (!r.channels && !r.detail) cmp.not_compared("channels or setldetail");
  return cmp.differs();
}

}  // namespace medsettle::audit

// A committed settlement read back from the kept ledger, for the slip: the
// figures of the record the store committed, laid over the same stay
// settled again (which gives the channel names, the rule set and the why).
#include <simdjson.h>

#include "core/text.hpp"
#include "medsettle/store.hpp"

namespace medsettle {

namespace {

namespace dom = simdjson::dom;
using detail::message;

[[noreturn]] void unreadable(std::string_view stay_id, std::string_view key) {
  throw Error(message(N_("the committed settlement of stay {} cannot be read: {}"), stay_id, key));
}

Fen amount_at(dom::object obj, std::string_view key, std::string_view stay_id) {
  std::string_view text;
  AmountParse a;
  if (obj[key].get_string().get(text) || !(a = parse_amount(text))) unreadable(stay_id, key);
  return a.value;
}

/// The top-level figures (INTERCHANGE.md names).
void read_fields(dom::object obj, Settlement& s) {
  const std::string_view id = s.stay_id;
  s.buckets.total = amount_at(obj, "medfee_sumamt", id);
  s.buckets.full_selfpay = amount_at(obj, "fulamt_ownpay_amt", id);
  s.buckets.over_limit = amount_at(obj, "overlmt_selfpay", id);
  s.buckets.pre_selfpay = amount_at(obj, "preselfpay_amt", id);
  s.buckets.in_scope = amount_at(obj, "inscp_scp_amt", id);
  s.act_pay_dedc = amount_at(obj, "act_pay_dedc", id);
  s.hifp_pay = amount_at(obj, "hifp_pay", id);
  s.hifmi_pay = amount_at(obj, "hifmi_pay", id);
  s.maf_pay = amount_at(obj, "maf_pay", id);
  s.hosp_part_amt = amount_at(obj, "hosp_part_amt", id);
  s.oth_pay = amount_at(obj, "oth_pay", id);
  s.fund_pay_sumamt = amount_at(obj, "fund_pay_sumamt", id);
  s.psn_part_amt = amount_at(obj, "psn_part_amt", id);
}

/// Each channel's committed eligibility, base, deductible and payment.
void read_channels(dom::object obj, Settlement& s) {
  dom::array channels;
  if (obj["channels"].get_array().get(channels)) unreadable(s.stay_id, "channels");
  for (dom::element e : channels) {
    dom::object c;
    std::string_view cid;
    if (e.get_object().get(c) || c["id"].get_string().get(cid)) unreadable(s.stay_id, "channels");
    ChannelResult* r = nullptr;
    for (ChannelResult& x : s.channels) {
      if (s.channel_info(x.index).id == cid) r = &x;
    }
    if (!r) unreadable(s.stay_id, cid);
    bool eligible = false;
    if (c["eligible"].get_bool().get(eligible)) unreadable(s.stay_id, "eligible");
    const Fen paid = amount_at(c, "paid", s.stay_id);
    if (paid != r->paid) r->limiter = Limiter::none;  // the recomputed reason no longer applies
    r->eligible = eligible;
    r->base = amount_at(c, "base", s.stay_id);
    r->deductible = amount_at(c, "deductible", s.stay_id);
    r->paid = paid;
    if (paid != r->computed) r->computed = paid;
  }
}

}  // namespace

Settlement committed_settlement(LedgerStore& store, const Settlement& fresh) {
  const std::optional<std::string> person = store.person_of(fresh.stay_id);
  if (!person) {
    throw UsageError(message(N_("the kept ledger {} has no committed settlement of stay {}"), store.location(),
                             fresh.stay_id));
  }
  const std::vector<StoreRecord> records = store.records(*person);
  const StoreRecord* found = nullptr;
  for (const StoreRecord& r : records) {
    if (r.kind == StoreRecord::Kind::settlement && r.stay_id == fresh.stay_id) found = &r;
  }
  if (!found) {
    throw UsageError(message(N_("the kept ledger {} has no committed settlement of stay {}"), store.location(),
                             fresh.stay_id));
  }
  if (found->rules != fresh.rules || found->digest != fresh.digest || found->version != fresh.version) {
    throw UsageError(message(N_("stay {} was committed under rule set {} version {} ({}); give that rule file "
                                "with --rules"),
                             fresh.stay_id, found->rules, found->version, found->digest));
  }
  Settlement s = fresh;
  dom::parser parser;
  dom::element root;
  dom::object obj;
  if (parser.parse(found->json).get(root) || root.get_object().get(obj)) unreadable(s.stay_id, "not an object");
  read_fields(obj, s);
  read_channels(obj, s);
  return s;
}

}  // namespace medsettle

#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "medsettle/plan.hpp"
#include "rules/plan_data.hpp"
#include "rules/yaml_reader.hpp"

namespace medsettle {

namespace detail {
extern const std::string_view default_rules_text;
extern const std::string_view default_rules_name;
}  // namespace detail

std::string_view name(ReportsAs r) noexcept {
  switch (r) {
    case ReportsAs::hifp_pay: return "hifp_pay";
    case ReportsAs::hifmi_pay: return "hifmi_pay";
    case ReportsAs::maf_pay: return "maf_pay";
    case ReportsAs::hosp_part_amt: return "hosp_part_amt";
    case ReportsAs::oth_pay: return "oth_pay";
  }
  return "?";
}

Plan Plan::load_string(std::string_view text, const std::string& file) {
  std::vector<RuleDiagnostic> diags;
  auto data = detail::compile_rules(text, file, diags);
  if (!data) throw RuleFileError(std::move(diags));
  return Plan(std::move(data));
}

Plan Plan::load_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::system_error(errno, std::generic_category(), "cannot open rule file " + path);
  // Read at most one byte past the size limit: a huge (or endless) file is
  // refused without being held in memory.
  const std::size_t limit = detail::YamlLimits{}.max_bytes;
  std::string text(limit + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (in.bad()) throw std::system_error(errno, std::generic_category(), "cannot read rule file " + path);
  if (text.size() > limit) {
    std::error_code ec;
    std::uintmax_t size = std::filesystem::is_regular_file(path, ec) ? std::filesystem::file_size(path, ec) : 0;
    if (ec || size <= limit) size = text.size();  // not a regular file: at least this much
    throw RuleFileError({detail::oversize(path, size)});
  }
  return load_string(text, path);
}

const Plan& Plan::builtin() {
  static const Plan plan = load_string(detail::default_rules_text, std::string(detail::default_rules_name));
  return plan;
}

std::vector<RuleDiagnostic> Plan::check(std::string_view text, const std::string& file) {
  std::vector<RuleDiagnostic> diags;
  (void)detail::compile_rules(text, file, diags);
  return diags;
}

std::string_view Plan::id() const noexcept { return data_->id; }
std::string_view Plan::title() const noexcept { return data_->title; }
std::string_view Plan::file() const noexcept { return data_->file; }
std::string_view Plan::digest() const noexcept { return data_->digest; }
Rounding Plan::rounding() const noexcept { return data_->rounding; }
Rate Plan::class_b_selfpay() const noexcept { return data_->class_b_selfpay; }

std::vector<Date> Plan::versions() const {
  std::vector<Date> out;
  for (const auto& v : data_->versions) out.push_back(v.from);
  return out;
}

std::optional<std::size_t> Plan::version_on(Date day) const noexcept {
  const auto& vs = data_->versions;
  if (vs.empty() || day < vs.front().from) return std::nullopt;
  if (data_->until && day > *data_->until) return std::nullopt;
  std::size_t i = vs.size() - 1;
  while (vs[i].from > day) --i;
  return i;
}

std::vector<std::string> Plan::channel_ids(std::size_t version) const {
  std::vector<std::string> out;
  for (const auto& c : data_->versions.at(version).channels) out.push_back(c.id);
  return out;
}

std::size_t Plan::channel_count(std::size_t version) const { return data_->versions.at(version).channels.size(); }

Plan::ChannelInfo Plan::channel(std::size_t version, std::size_t index) const {
  const auto& c = data_->versions.at(version).channels.at(index);
  return {c.id, c.name, c.fund_pay_type, c.reports_as};
}

const std::vector<std::string>& Plan::ledger_slots() const noexcept { return data_->slots; }

std::optional<std::size_t> Plan::slot_of(std::string_view channel_id) const noexcept {
  for (std::size_t i = 0; i < data_->slots.size(); ++i) {
    if (data_->slots[i] == channel_id) return i;
  }
  return std::nullopt;
}

}  // namespace medsettle

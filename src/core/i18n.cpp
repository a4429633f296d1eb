// The message catalogue: GNU gettext (glibc's libintl), domain "medsettle".
// English texts are the catalogue's ids; Chinese comes from zh_CN/medsettle.mo.
#include <dlfcn.h>
#include <libintl.h>
#include <sys/stat.h>

#include <clocale>
#include <cstdlib>
#include <mutex>
#include <string>

#include "medsettle/language.hpp"

#ifndef MEDSETTLE_BUILD_LOCALEDIR
#define MEDSETTLE_BUILD_LOCALEDIR ""
#endif
#ifndef MEDSETTLE_INSTALL_LOCALEDIR
#define MEDSETTLE_INSTALL_LOCALEDIR ""
#endif

namespace medsettle {

namespace {

constexpr const char* domain = "medsettle";

bool catalogue_in(const std::string& dir) {
  if (dir.empty()) return false;
  struct stat st {};
  return ::stat((dir + "/zh_CN/LC_MESSAGES/medsettle.mo").c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

/// Where the compiled catalogues are: MEDSETTLE_LOCALEDIR; beside the
/// library or program that holds this code (<prefix>/lib/.. -> share/locale,
/// or the build tree's locale/); the build tree; the install prefix.
std::string find_localedir() {
  if (const char* env = std::getenv("MEDSETTLE_LOCALEDIR"); env && catalogue_in(env)) return env;
  Dl_info info{};
  if (::dladdr(reinterpret_cast<void*>(&find_localedir), &info) && info.dli_fname) {
    std::string self = info.dli_fname;
    if (auto slash = self.rfind('/'); slash != std::string::npos) {
      const std::string dir = self.substr(0, slash);
      for (const std::string& c : {dir + "/locale", dir + "/../share/locale", dir + "/../../share/locale"}) {
        if (catalogue_in(c)) return c;
      }
    }
  }
  if (catalogue_in(MEDSETTLE_BUILD_LOCALEDIR)) return MEDSETTLE_BUILD_LOCALEDIR;
  if (catalogue_in(MEDSETTLE_INSTALL_LOCALEDIR)) return MEDSETTLE_INSTALL_LOCALEDIR;
  return {};
}

std::once_flag bound_once;
bool bound = false;

void bind_catalogue() {
  std::call_once(bound_once, [] {
    const std::string dir = find_localedir();
    if (dir.empty()) return;
    ::bindtextdomain(domain, dir.c_str());
    ::bind_textdomain_codeset(domain, "UTF-8");
    bound = true;
  });
}

}  // namespace

std::string_view name(Language l) noexcept { return l == Language::zh ? "zh" : "en"; }

std::optional<Language> language_from(std::string_view tag) noexcept {
  const std::string_view lang = tag.substr(0, tag.find_first_of("_-.@:"));
  if (lang == "zh") return Language::zh;
  if (lang == "en" || lang == "C" || lang == "POSIX") return Language::en;
  return std::nullopt;
}

Language language_from_environment() noexcept {
  // gettext's order: LANGUAGE (a colon-separated list) when a locale is
  // set, then LC_ALL, LC_MESSAGES, LANG.
  for (const char* var : {"LC_ALL", "LC_MESSAGES", "LANG"}) {
    const char* v = std::getenv(var);
    if (!v || !*v) continue;
    const std::string_view locale(v);
    const bool c_locale = locale == "C" || locale == "POSIX";
    if (const char* list = std::getenv("LANGUAGE"); list && *list && !c_locale) {
      std::string_view rest(list);
      while (!rest.empty()) {
        const auto colon = rest.find(':');
        if (auto l = language_from(rest.substr(0, colon))) return *l;
        rest = colon == std::string_view::npos ? std::string_view{} : rest.substr(colon + 1);
      }
    }
    return language_from(v).value_or(Language::en);
  }
  return Language::en;
}

bool use_language(Language language) {
  if (language == Language::en) return true;
  bind_catalogue();
  if (!bound) return false;
  // The machine may not have generated a zh_CN locale: the C.UTF-8 locale
  // (always present) with LANGUAGE naming Chinese makes gettext use the
  // catalogue whatever the environment says.
  ::setenv("LANGUAGE", "zh_CN", 1);
  if (!std::setlocale(LC_MESSAGES, "C.UTF-8")) std::setlocale(LC_MESSAGES, "");
  ::textdomain(domain);
  return true;
}

const char* translate(Language language, const char* msgid) noexcept {
  if (language == Language::en || !msgid || !*msgid) return msgid;
  bind_catalogue();
  if (!bound) return msgid;
  return ::dgettext(domain, msgid);
}

}  // namespace medsettle

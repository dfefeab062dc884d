#include "xsd/config/registry.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace xsd {
namespace {

template <typename Map>
std::vector<std::string> NamesOf(const Map& map) {
  std::vector<std::string> names;
  for (const auto& [name, factory] : map) names.push_back(name);
  return names;
}

template <typename Map, typename Factory>
absl::Status Insert(Map& map, const std::string& kind, const std::string& name, Factory factory) {
  if (name.empty()) return absl::InvalidArgumentError(absl::StrCat("cannot register a ", kind, " without a name"));
  if (!map.emplace(name, std::move(factory)).second) {
    return absl::AlreadyExistsError(absl::StrCat(kind, " '", name, "' is already registered"));
  }
  return absl::OkStatus();
}

template <typename Map>
absl::StatusOr<typename Map::mapped_type> Find(const Map& map, const std::string& kind, const std::string& field,
                                               const std::string& name) {
  if (name.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ".name: required; known ", kind, "s: ",
                                                   absl::StrJoin(NamesOf(map), ", ")));
  }
  auto it = map.find(name);
  if (it == map.end()) {
    return absl::NotFoundError(absl::StrCat(field, ".name: unknown ", kind, " '", name, "'; known ", kind, "s: ",
                                            absl::StrJoin(NamesOf(map), ", ")));
  }
  return it->second;
}

}  // namespace

Registry& Registry::Global() {
  static Registry* registry = [] {
    auto* r = new Registry();  // never destroyed: factories may be used during shutdown
    RegisterBuiltinComponents(*r);
    return r;
  }();
  return *registry;
}

absl::Status Registry::RegisterVerifier(const std::string& name, VerifierFactory f) {
  std::lock_guard<std::mutex> lock(mu_);
  return Insert(verifiers_, "verifier", name, std::move(f));
}
absl::Status Registry::RegisterDrafter(const std::string& name, DrafterFactory f) {
  std::lock_guard<std::mutex> lock(mu_);
  return Insert(drafters_, "drafter", name, std::move(f));
}
absl::Status Registry::RegisterAdapter(const std::string& name, AdapterFactory f) {
  std::lock_guard<std::mutex> lock(mu_);
  return Insert(adapters_, "adapter", name, std::move(f));
}
absl::Status Registry::RegisterScheduler(const std::string& name, SchedulerFactory f) {
  std::lock_guard<std::mutex> lock(mu_);
  return Insert(schedulers_, "scheduler", name, std::move(f));
}
absl::Status Registry::RegisterAcceptance(const std::string& name, AcceptanceFactory f) {
  std::lock_guard<std::mutex> lock(mu_);
  return Insert(acceptances_, "acceptance policy", name, std::move(f));
}

absl::StatusOr<BuiltVerifier> Registry::CreateVerifier(const config::VerifierConfig& config,
                                                       BuildContext& context) const {
  VerifierFactory factory;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto found = Find(verifiers_, "verifier", context.field, config.name());
    if (!found.ok()) return found.status();
    factory = *found;
  }
  return factory(config, context);
}

absl::StatusOr<std::unique_ptr<Drafter>> Registry::CreateDrafter(const config::DrafterConfig& config,
                                                                 BuildContext& context) const {
  DrafterFactory factory;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto found = Find(drafters_, "drafter", context.field, config.name());
    if (!found.ok()) return found.status();
    factory = *found;
  }
  return factory(config, context);
}

absl::StatusOr<std::unique_ptr<Adapter>> Registry::CreateAdapter(const config::AdapterConfig& config,
                                                                 BuildContext& context) const {
  AdapterFactory factory;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto found = Find(adapters_, "adapter", context.field, config.name());
    if (!found.ok()) return found.status();
    factory = *found;
  }
  return factory(config, context);
}

absl::StatusOr<std::unique_ptr<Scheduler>> Registry::CreateScheduler(const config::SchedulerConfig& config,
                                                                     const SchedulerParts& parts) const {
  SchedulerFactory factory;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto found = Find(schedulers_, "scheduler", "scheduler", config.name());
    if (!found.ok()) return found.status();
    factory = *found;
  }
  return factory(config, parts);
}

absl::StatusOr<std::unique_ptr<AcceptancePolicy>> Registry::CreateAcceptance(const config::AcceptanceConfig& config) const {
  AcceptanceFactory factory;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto found = Find(acceptances_, "acceptance policy", "acceptance", config.name());
    if (!found.ok()) return found.status();
    factory = *found;
  }
  return factory(config);
}

std::vector<std::string> Registry::VerifierNames() const { std::lock_guard<std::mutex> l(mu_); return NamesOf(verifiers_); }
std::vector<std::string> Registry::DrafterNames() const { std::lock_guard<std::mutex> l(mu_); return NamesOf(drafters_); }
std::vector<std::string> Registry::AdapterNames() const { std::lock_guard<std::mutex> l(mu_); return NamesOf(adapters_); }
std::vector<std::string> Registry::SchedulerNames() const { std::lock_guard<std::mutex> l(mu_); return NamesOf(schedulers_); }
std::vector<std::string> Registry::AcceptanceNames() const { std::lock_guard<std::mutex> l(mu_); return NamesOf(acceptances_); }

}  // namespace xsd

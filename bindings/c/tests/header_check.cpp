// The header from C++ (compiled with -Wall -Wextra -Werror -pedantic, see CMakeLists.txt):
// extern "C" linkage, the enum and the opaque handle types used the C++ way.
#include "agentic.h"

#include <cstring>
#include <iostream>
#include <memory>
#include <string>

namespace {

// The handles fit RAII wrappers.
struct ClientDeleter {
    void operator()(agentic_client *client) const noexcept { agentic_client_free(client); }
};
struct StringDeleter {
    void operator()(char *text) const noexcept { agentic_string_free(text); }
};
using Client = std::unique_ptr<agentic_client, ClientDeleter>;
using String = std::unique_ptr<char, StringDeleter>;

}  // namespace

int main() {
    agentic_client *raw = nullptr;
    agentic_status status = agentic_client_new(
        R"({"juspay": {"environment": "sandbox", "merchant_id": "m"}})", "key", nullptr, nullptr,
        &raw);
    Client client(raw);
    if (status != AGENTIC_OK) {
        return 1;
    }
    status = agentic_client_new("{", nullptr, nullptr, nullptr, &raw);
    char *details = nullptr;
    agentic_last_error(&details);
    String error(details);
    const std::string name = agentic_status_name(status);
    std::cout << "C++ " << __cplusplus << ": " << agentic_version() << ", " << name << ", "
              << error.get() << '\n';
    return status == AGENTIC_INVALID_JSON && name == "AGENTIC_INVALID_JSON" &&
                   std::strstr(error.get(), "\"argument\":\"config_json\"") != nullptr
               ? 0
               : 1;
}

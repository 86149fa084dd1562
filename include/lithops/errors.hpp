#pragma once
/// @file errors.hpp
/// Every exception Lithops throws at its user API. Failure, timeout and cancellation are
/// distinct types so that callers can tell "the function broke" from "it ran too long" from
/// "nobody will ever run it".

#include <cstdint>
#include <stdexcept>
#include <string>

namespace lithops {

/// Base of every error raised by Lithops itself (not by the user's function).
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Bad configuration: an unknown key, backend or value. The message names the key and the
/// valid choices.
class ConfigError : public Error {
 public:
  using Error::Error;
};

/// A client-side wait (`Future::get(timeout)`, `get_result(..., timeout)`) ran out of time.
/// The calls themselves keep running.
class TimeoutError : public Error {
 public:
  using Error::Error;
};

/// A storage operation failed (after the configured retries).
class StorageError : public Error {
 public:
  using Error::Error;
};

/// The object does not exist.
class NoSuchKeyError : public StorageError {
 public:
  using StorageError::StorageError;
};

/// The bucket does not exist.
class NoSuchBucketError : public StorageError {
 public:
  using StorageError::StorageError;
};

/// The server refused the request itself (denied access, bad credentials, an invalid bucket
/// name ...): an answer, not a hiccup, so it is not retried.
class StorageRequestError : public StorageError {
 public:
  using StorageError::StorageError;
};

/// Data is not what its format says: an object mapped as gzip that is not gzip or is cut
/// short, an index that is not one or does not match its object (rebuild it), a record that
/// breaks its format. The message names the object and where.
class DataFormatError : public Error {
 public:
  using Error::Error;
};

/// A compute backend's service refused or failed an operation of its own (creating a cloud
/// function, its API answering an error after the retries). The message names the service's
/// answer and, where a setting can fix it, the key.
class BackendError : public Error {
 public:
  using Error::Error;
};

/// Where a failed call ran: carried by every per-call error.
struct CallOrigin {
  std::string job_key;   ///< `<executor_id>-<job_id>`, e.g. `a1b2c3-0-M001`
  std::string call_id;   ///< five digits, e.g. `00042`
  std::string host;      ///< host name of the worker (empty if the call never ran)
  int worker_pid = 0;    ///< pid of the worker process (0 if the call never ran)
  std::string function;  ///< readable name of the function
};

/// Base of the errors that fail one call (and only that call).
class CallError : public Error {
 public:
  CallError(const std::string& what, CallOrigin origin) : Error(what), origin_(std::move(origin)) {}
  const CallOrigin& origin() const noexcept { return origin_; }
  const std::string& call_id() const noexcept { return origin_.call_id; }
  const std::string& job_key() const noexcept { return origin_.job_key; }
  const std::string& host() const noexcept { return origin_.host; }

 private:
  CallOrigin origin_;
};

/// The call ran longer than its execution timeout and was killed.
class ExecutionTimeoutError : public CallError {
 public:
  using CallError::CallError;
};

/// The worker process died while running the call (signal, abort, std::terminate, exit).
class WorkerCrashError : public CallError {
 public:
  WorkerCrashError(const std::string& what, CallOrigin origin, int signal, int exit_code)
      : CallError(what, std::move(origin)), signal_(signal), exit_code_(exit_code) {}
  /// The signal that killed the worker, or 0 if it exited.
  int signal() const noexcept { return signal_; }
  /// The worker's exit code when it exited by itself (`signal() == 0`), else -1.
  int exit_code() const noexcept { return exit_code_; }

 private:
  int signal_;
  int exit_code_;
};

/// The worker is not the same build as the client, so it cannot run the client's functions.
class BuildMismatchError : public CallError {
 public:
  using CallError::CallError;
};

/// The call was cancelled (executor shut down, or a call it depended on failed) and will
/// never run.
class CancelledError : public CallError {
 public:
  using CallError::CallError;
};

/// An exception thrown by the user's function on a worker. It is never thrown alone: the
/// exception object is a `RemoteException<E>`, which is both a `RemoteError` and, where the
/// original was a standard exception, that standard type `E` (else `std::runtime_error`), so
/// `catch (const std::invalid_argument&)` works as it would locally.
class RemoteError {
 public:
  virtual ~RemoteError() = default;
  /// "<type>: <message> (call <job_key>/<call_id> on <host>)"
  virtual const char* what() const noexcept = 0;
  /// Demangled type name of the original exception, e.g. `std::invalid_argument`, `MyError`.
  const std::string& type_name() const noexcept { return type_name_; }
  /// The original `what()`.
  const std::string& message() const noexcept { return message_; }
  const CallOrigin& origin() const noexcept { return origin_; }
  const std::string& call_id() const noexcept { return origin_.call_id; }
  const std::string& host() const noexcept { return origin_.host; }

 protected:
  RemoteError(std::string type_name, std::string message, CallOrigin origin)
      : type_name_(std::move(type_name)), message_(std::move(message)), origin_(std::move(origin)) {}

 private:
  std::string type_name_;
  std::string message_;
  CallOrigin origin_;
};

/// The concrete type thrown for a remote exception whose nearest standard type is `E`.
template <class E>
class RemoteException final : public E, public RemoteError {
 public:
  RemoteException(const std::string& full, std::string type_name, std::string message,
                  CallOrigin origin)
      : E(full), RemoteError(std::move(type_name), std::move(message), std::move(origin)) {}
  const char* what() const noexcept override { return E::what(); }
};

}  // namespace lithops

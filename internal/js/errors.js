// The error classes of k6/x/lambda, as k6-jslib-aws names them, so that
// `instanceof` and `err.name` checks in existing scripts keep working.
// Evaluated once per VU runtime; returns the classes.
(function () {
  'use strict';

  class AWSError extends Error {
    constructor(message, code) {
      super(message);
      this.name = 'AWSError';
      this.code = code;
    }
  }

  class InvalidSignatureError extends AWSError {
    constructor(message, code) {
      super(message, code);
      this.name = 'InvalidSignatureError';
    }
  }

  class InvalidAWSConfigError extends Error {
    constructor(message) {
      super(message);
      this.name = 'InvalidAWSConfigError';
    }
  }

  class LambdaInvocationError extends Error {
    constructor(message, response) {
      super(message);
      this.name = 'LambdaInvocationError';
      this.response = response;
    }
  }

  // Connection-level failures, named and numbered as k6 names HTTP errors:
  // https://grafana.com/docs/k6/latest/javascript-api/error-codes/
  // The subclasses are k6-jslib-aws's, so `e instanceof TCPError` holds for
  // the same failures.
  class NetworkError extends Error {
    constructor(message, name, code) {
      super(message);
      this.name = name;
      this.code = code;
    }
  }

  class GeneralError extends NetworkError {
    constructor(message, code) {
      super(message, 'GeneralError', code);
    }
  }

  class DNSError extends NetworkError {
    constructor(message, code) {
      super(message, 'DNSError', code);
    }
  }

  class TCPError extends NetworkError {
    constructor(message, code) {
      super(message, 'TCPError', code);
    }
  }

  class TLSError extends NetworkError {
    constructor(message, code) {
      super(message, 'TLSError', code);
    }
  }

  class HTTP2Error extends NetworkError {
    constructor(message, code) {
      super(message, 'HTTP2Error', code);
    }
  }

  // No credentials to sign with: the AWS chain found none, or a provider
  // (SSO, web identity, a credential process) failed.
  class CredentialsError extends Error {
    constructor(message, code) {
      super(message);
      this.name = 'CredentialsError';
      this.code = code;
    }
  }

  // An invocation refused before it was sent: `field` names the culprit.
  class InvalidInvocationError extends Error {
    constructor(message, field) {
      super(message);
      this.name = 'InvalidInvocationError';
      this.field = field;
    }
  }

  return {
    AWSError,
    InvalidSignatureError,
    InvalidAWSConfigError,
    LambdaInvocationError,
    NetworkError,
    GeneralError,
    DNSError,
    TCPError,
    TLSError,
    HTTP2Error,
    CredentialsError,
    InvalidInvocationError,
  };
})();

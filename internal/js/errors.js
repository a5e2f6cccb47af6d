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
  class NetworkError extends Error {
    constructor(message, name, code) {
      super(message);
      this.name = name;
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
    InvalidInvocationError,
  };
})();

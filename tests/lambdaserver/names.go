package main

import (
	"regexp"
	"strings"
)

// accountID is the account every function of this server lives in.
const accountID = "123456789012"

// functionNamePattern is the FunctionName pattern of the Invoke API
// reference, anchored. It accepts a name, name:qualifier, a partial ARN
// (123456789012:function:name[:qualifier]) and a full ARN
// (arn:aws:lambda:us-east-1:123456789012:function:name[:qualifier]).
var functionNamePattern = regexp.MustCompile(
	`^(arn:(aws[a-zA-Z-]*)?:lambda:)?` + // 1, 2: arn:partition:lambda:
		`([a-z]{2}(-gov)?-[a-z]+-\d{1}:)?` + // 3, 4: region:
		`(\d{12}:)?` + // 5: account:
		`(function:)?` + // 6
		`([a-zA-Z0-9_.-]+)` + // 7: the name
		`(:(\$LATEST|[a-zA-Z0-9_-]+))?$`) // 8, 9: :qualifier

const functionNameConstraint = `Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?`

// qualifierPattern is the Qualifier query parameter's pattern.
var qualifierPattern = regexp.MustCompile(`^[a-zA-Z0-9$_-]+$`)

// Limits from the API reference.
const (
	maxFunctionNameLength = 170
	maxQualifierLength    = 128
)

// functionRef is a parsed FunctionName.
type functionRef struct {
	name      string
	qualifier string // "" when the FunctionName has none
}

// parseFunctionName splits a FunctionName (already path-unescaped) into
// the function's name and the qualifier it carries, if any.
func parseFunctionName(functionName string) (functionRef, *apiError) {
	if len(functionName) < 1 {
		return functionRef{}, errValidation(functionName, "functionName", "Member must have length greater than or equal to 1")
	}
	if len(functionName) > maxFunctionNameLength {
		return functionRef{}, errValidation(functionName, "functionName", "Member must have length less than or equal to 170")
	}
	m := functionNamePattern.FindStringSubmatch(functionName)
	if m == nil {
		return functionRef{}, errValidation(functionName, "functionName", functionNameConstraint)
	}
	return functionRef{name: m[7], qualifier: m[9]}, nil
}

// mergeQualifier combines the qualifier in the FunctionName with the
// Qualifier query parameter: either may be given, both only if equal.
func mergeQualifier(fromName, param string) (string, *apiError) {
	if param != "" {
		if len(param) > maxQualifierLength {
			return "", errValidation(param, "qualifier", "Member must have length less than or equal to 128")
		}
		if !qualifierPattern.MatchString(param) {
			return "", errValidation(param, "qualifier", `Member must satisfy regular expression pattern: (|[a-zA-Z0-9$_-]+)`)
		}
	}
	switch {
	case fromName == "":
		return param, nil
	case param == "" || param == fromName:
		return fromName, nil
	default:
		return "", errInvalidParameterValue("The derived qualifier from the function name does not match the specified qualifier.")
	}
}

// aliases are the aliases every function has, with the version each
// points to.
var aliases = map[string]string{"live": "7"}

// resolveVersion is the version a qualifier executes: $LATEST when there
// is none, a version number as it is, an alias's target. ok is false for
// an unknown alias.
func resolveVersion(qualifier string) (version string, ok bool) {
	switch {
	case qualifier == "" || qualifier == "$LATEST":
		return "$LATEST", true
	case strings.Trim(qualifier, "0123456789") == "":
		return qualifier, true
	default:
		version, ok = aliases[qualifier]
		return version, ok
	}
}

func functionARN(region, name string) string {
	return "arn:aws:lambda:" + region + ":" + accountID + ":function:" + name
}

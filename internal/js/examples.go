package js

import (
	"github.com/grafana/sobek"

	"github.com/xk6-lambda/xk6-lambda/internal/native"
)

// exampleEvent is `exampleEvent(name)`: one of the example events of the
// aws_lambda_events crate (embedded in the library), as a string, so a
// load test can send realistic API Gateway, SQS or S3 events. The same
// events serve `lambda-invoke --data-example`.
func (mi *ModuleInstance) exampleEvent(call sobek.FunctionCall) sobek.Value {
	name, ok := call.Argument(0).Export().(string)
	if !ok {
		panic(mi.errors.invalidInvocation("name",
			"exampleEvent: the event name must be a string (e.g. 'sqs-event'), got "+describe(call.Argument(0))))
	}
	text, rej := native.ExampleEvent(name)
	if rej != nil {
		panic(mi.errors.fromOutcome(rej.Decode()))
	}
	return mi.runtime().ToValue(text)
}

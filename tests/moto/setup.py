#!/usr/bin/env python3
"""Prepares a running moto_server for the end-to-end tests.

moto runs no function code without Docker: with `use_docker: false` its
Invoke answers RequestResponse with the payload echoed (200), Event with 202
and DryRun with 204, which is what tests/e2e/moto.js checks. This script
switches Docker off and creates the function `add-numbers` (and the IAM role
moto requires for it).

Usage: setup.py http://127.0.0.1:PORT
"""

import io
import json
import sys
import urllib.request
import zipfile

import boto3

REGION = "us-east-1"
KEYS = {
    "aws_access_key_id": "AKIAIOSFODNN7EXAMPLE",
    "aws_secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
}
TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def disable_docker(endpoint: str) -> None:
    request = urllib.request.Request(
        f"{endpoint}/moto-api/config",
        data=json.dumps({"lambda": {"use_docker": False}}).encode(),
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        config = json.load(response)
    if config.get("lambda", {}).get("use_docker") is not False:
        sys.exit(f"moto did not take use_docker=false: {config}")


def function_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "index.py", "def handler(event, context):\n    return event['x'] + event['y']\n"
        )
    return buffer.getvalue()


def main() -> None:
    endpoint = sys.argv[1]
    disable_docker(endpoint)
    iam = boto3.client("iam", endpoint_url=endpoint, region_name=REGION, **KEYS)
    role = iam.create_role(
        RoleName="lambda-role", AssumeRolePolicyDocument=json.dumps(TRUST_POLICY)
    )["Role"]["Arn"]
    aws_lambda = boto3.client("lambda", endpoint_url=endpoint, region_name=REGION, **KEYS)
    aws_lambda.create_function(
        FunctionName="add-numbers",
        Runtime="python3.12",
        Role=role,
        Handler="index.handler",
        Code={"ZipFile": function_zip()},
    )
    print(f"moto ready at {endpoint}: function add-numbers")


if __name__ == "__main__":
    main()

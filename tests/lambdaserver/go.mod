module github.com/xk6-lambda/xk6-lambda/tests/lambdaserver

go 1.24

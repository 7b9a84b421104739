/** @apigw/constructs: typed constructs that synthesize the apigw document. */
export {};

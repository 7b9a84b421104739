'use strict';
// The benchmark's event function: the same small JSON body the MOCK and HTTP backends answer.
const body = '{"ok":true,"service":"bench","items":[1,2,3]}';
exports.handler = async () => ({ statusCode: 200, headers: { 'content-type': 'application/json' }, body });

// Delighted's official Node.js client, unchanged, against a feedback server: the walk-through
// of tests/delighted/test_delighted_node_client.py, which reads what this prints.
//
// Usage: NODE_PATH=<folder with node_modules/delighted> node node_walkthrough.js
// with FEEDBACK_PORT and FEEDBACK_KEY set; prints one JSON object of what the client got.
"use strict";

const delighted = require("delighted")(process.env.FEEDBACK_KEY, {
  host: "127.0.0.1",
  port: Number(process.env.FEEDBACK_PORT),
  scheme: "http",
});

async function collect(list) {
  const items = [];
  await list.autoPagingEach((item) => {
    items.push(item);
  }, { auto_handle_rate_limits: false });
  return items;
}

async function main() {
  const seen = {};
  const ana = await delighted.person.create({
    email: "ana@example.com", name: "Ana", delay: 3600, properties: { Plan: "Pro" },
  });
  seen.created = {
    email: ana.email, name: ana.name, scheduled: ana.survey_scheduled_at,
    properties: ana.properties,
  };
  const others = [];
  for (const email of ["bo@example.com", "cy@example.com", "di@example.com"]) {
    others.push(await delighted.person.create({ email: email, send: false }));
  }
  const people = await collect(delighted.person.list({ per_page: 2 }));
  seen.people = people.map((person) => person.email);

  seen.unsubscribed = await delighted.unsubscribe.create({ person_email: "di@example.com" });
  seen.unsubscribes = (await delighted.unsubscribe.all()).map((u) => [u.email, u.person_id]);

  const scores = [[ana, 10, "Lovely"], [others[0], 3, "Slow"], [others[1], 8, null]];
  for (const [person, score, comment] of scores) {
    const added = { person: person.id, score: score };
    if (comment) added.comment = comment;
    await delighted.surveyResponse.create(added);
  }
  const pages = [];
  for (const page of [1, 2, 3]) {
    pages.push((await delighted.surveyResponse.all({ per_page: 2, page: page })).map((r) => r.score));
  }
  seen.response_pages = pages;
  seen.newest_first = (await delighted.surveyResponse.all({ order: "desc" })).map((r) => r.score);
  const [bo] = await delighted.surveyResponse.all({
    person_email: "bo@example.com", expand: ["person"],
  });
  seen.bo = { score: bo.score, comment: bo.comment, person: bo.person.email };
  seen.since = (await delighted.surveyResponse.all({
    since: new Date(Number(process.env.FEEDBACK_NOW) * 1000),
  })).length;

  const metrics = await delighted.metrics.retrieve();
  seen.metrics = [metrics.nps, metrics.response_count, metrics.promoter_count];

  const autopilot = await delighted.autopilotConfiguration.retrieve("email");
  seen.autopilot = [autopilot.platform_id, autopilot.active, autopilot.frequency];
  const memberships = delighted.autopilotMembership.forEmail();
  const joined = await memberships.create({ person_email: "eve@example.com", properties: { Plan: "Team" } });
  seen.joined = [joined.person.email, joined.properties];
  await memberships.create({ person_email: "bo@example.com" });
  seen.members = (await collect(memberships.list({ per_page: 1 }))).map((m) => m.person.email);
  const left = await memberships.delete({ person_email: "eve@example.com" });
  seen.left = left.person.email;
  seen.members_after = (await collect(memberships.list())).map((m) => m.person.email);

  seen.deleted = [
    await delighted.person.delete({ email: "cy@example.com" }),
    await delighted.person.delete({ id: others[2].id }),
  ];
  seen.people_after = (await collect(delighted.person.list())).map((person) => person.email);
  try {
    await delighted.person.delete({ email: "cy@example.com" });
    seen.deleted_again = "no error";
  } catch (error) {
    seen.deleted_again = [error.type, JSON.parse(error.message)];
  }
  process.stdout.write(JSON.stringify(seen));
}

main().catch((error) => {
  // The client's errors carry their type and the answer's body, not a useful stack.
  process.stderr.write(`walk-through failed: ${error.type || ""} ${error.message}\n`);
  process.exit(1);
});

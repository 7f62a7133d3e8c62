// The page's own script: uploads, 编排 with live progress (server-sent events), pins, announce, outbox.
// The session cookie carries the token; nothing here is fetched from elsewhere.
"use strict";

function say(text) {
  document.getElementById("message").textContent = text || "";
}

// The fields the server may name in an error (its "loc"), as the page's forms label them.
const FIELD_NAMES = {
  time_limit: "时限（秒）", seed: "随机种子", today: "日期", institution: "机构", start: "开始日期",
  end: "结束日期", leader: "组长", members: "成员", expert: "专家", reason: "原因", host: "SMTP 服务器",
  port: "端口", security: "加密方式", user: "用户名", password: "密码", sender: "发件地址",
  workbook: "工作簿",
};

async function api(method, url, body) {
  const options = { method: method, headers: {} };
  if (body instanceof FormData) {
    options.body = body;
  } else if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(url, options);
  const type = response.headers.get("Content-Type") || "";
  const data = type.includes("json") ? await response.json() : null;
  if (!response.ok) {
    let text = "请求失败（" + response.status + "）";
    if (data && data.detail) {
      const detail = data.detail;
      if (typeof detail === "string") {
        text = detail;
      } else if (detail.message) {
        text = detail.message + (detail.problems ? "（共 " + detail.problems.length + " 处问题）" : "");
      } else if (Array.isArray(detail)) {
        text = "填写有误：" + detail.map(function (d) {
          const field = (d.loc || []).slice(-1)[0];
          return (FIELD_NAMES[field] || field) + (d.msg ? " " + d.msg : "");
        }).join("；");
      }
    }
    throw new Error(text);
  }
  return { data: data, response: response };
}

function guard(handler) {
  return async function (event) {
    if (event) event.preventDefault();
    try {
      await handler.call(this, event);
    } catch (error) {
      say(error.message);
    }
  };
}

function on(id, kind, handler) {
  const element = document.getElementById(id);
  if (element) element.addEventListener(kind, guard(handler));
  return element;
}

function follow(version, limit) {
  const box = document.getElementById("progress");
  const bar = document.getElementById("progress-bar");
  const text = document.getElementById("progress-text");
  box.hidden = false;
  box.dataset.version = version;
  const source = new EventSource("/api/versions/" + version + "/events");
  source.addEventListener("start", function () { text.textContent = "正在编排……"; });
  source.addEventListener("progress", function (event) {
    const p = JSON.parse(event.data);
    bar.value = Math.min(99, (100 * p.elapsed) / (limit || 60));
    text.textContent = "已用 " + p.elapsed.toFixed(1) + " 秒 · 当前最好的负荷目标 " + p.objective + " · 下界 " + p.bound;
  });
  source.addEventListener("end", function (event) {
    source.close();
    const p = JSON.parse(event.data);
    bar.value = 100;
    text.textContent = p.state === "done" ? "编排完成" : "编排结束：" + (p.error || p.state);
    window.location.href = "/versions/" + version;
  });
  source.onerror = function () {
    source.close();
    window.location.href = "/versions/" + version;
  };
}

function downloadBlob(blob, name) {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
}

function init() {
  on("upload-round", "submit", async function () {
    say("正在上传并检查……");
    const result = await api("POST", this.dataset.action, new FormData(this));
    window.location.href = "/rounds/" + result.data.id;
  });
  on("sample-round", "click", async function () {
    say("正在新建示例轮次……");
    const result = await api("POST", "/api/rounds/sample");
    window.location.href = "/rounds/" + result.data.id;
  });
  on("upload-workbook", "submit", async function () {
    say("正在上传并检查……");
    await api("POST", this.dataset.action, new FormData(this));
    window.location.reload();
  });
  on("solve", "submit", async function () {
    const form = new FormData(this);
    const limit = Number(form.get("time_limit")) || 60;
    const body = { time_limit: limit, seed: Number(form.get("seed")) || 0, today: form.get("today") || null };
    const result = await api("POST", "/api/rounds/" + this.dataset.round + "/solve", body);
    say("");
    follow(result.data.version, limit);
  });
  on("replan", "submit", async function () {
    say("正在提交调整……");
    const result = await api("POST", this.dataset.action, new FormData(this));
    window.location.href = "/versions/" + result.data.version;
  });
  on("absent", "submit", async function () {
    const form = new FormData(this);
    const body = {};
    form.forEach(function (value, key) { body[key] = value; });
    const result = await api("POST", this.dataset.action, body);
    window.location.href = "/versions/" + result.data.version;
  });
  on("cancel", "click", async function () {
    const box = document.getElementById("progress");
    await api("POST", "/api/versions/" + box.dataset.version + "/cancel");
    say("已请求取消。");
  });
  on("announce", "click", async function () {
    if (!window.confirm("发布后此版本不能再修改或删除，确定发布？")) return;
    await api("POST", "/api/versions/" + this.dataset.version + "/announce");
    window.location.reload();
  });
  on("outbox", "click", async function () {
    say("正在生成待发邮件……");
    const result = await api("POST", "/api/versions/" + this.dataset.version + "/outbox");
    downloadBlob(await result.response.blob(), "outbox-" + this.dataset.version + ".zip");
    say("已生成待发邮件。");
  });
  on("send", "submit", async function () {
    const form = new FormData(this);
    const body = {};
    form.forEach(function (value, key) { if (value !== "") body[key] = value; });
    if (body.port) body.port = Number(body.port);
    say("正在发送……");
    const result = await api("POST", "/api/versions/" + this.dataset.version + "/send", body);
    const r = result.data;
    say("已发送 " + r.sent + " 封，此前已发送 " + r.already + " 封，失败 " + r.failed + " 封，无邮箱 " + r.no_address + " 位。");
    this.elements.password.value = "";
  });

  const running = document.getElementById("progress");
  if (running && running.dataset.version && !running.hidden) {
    follow(running.dataset.version, Number(running.dataset.limit) || 60);
  }

  const dialog = document.getElementById("pin-dialog");
  const pinForm = document.getElementById("pin");
  document.querySelectorAll("#visits tr.visit").forEach(function (row) {
    row.addEventListener("click", function () {
      pinForm.elements.institution.value = row.dataset.institution;
      pinForm.elements.start.value = row.dataset.start;
      pinForm.elements.leader.value = row.dataset.leader;
      pinForm.elements.members.value = row.dataset.members;
      document.getElementById("pin-name").textContent = row.cells[0].textContent;
      dialog.showModal();
    });
  });
  on("pin-close", "click", function () { dialog.close(); });
  on("pin", "submit", async function () {
    const f = this.elements;
    const body = {
      institution: f.institution.value,
      start: f.start.value || null,
      leader: f.leader.value || null,
      members: f.members.value.split(/[;；、,，\s]+/).filter(Boolean),
      time_limit: 60,
    };
    const result = await api("POST", "/api/versions/" + this.dataset.version + "/pin", body);
    dialog.close();
    window.location.href = "/versions/" + result.data.version;
  });
}

document.addEventListener("DOMContentLoaded", init);

// qcm static site: draw every chart from the JSON embedded beside it, and offer its
// data as CSV. Works from file:// with no server and makes no network request.
"use strict";

function chartPayload(id) {
  return JSON.parse(document.getElementById(id).textContent);
}

function csvCell(value) {
  if (value === null || value === undefined) return "";
  const text = String(value);
  return /[",\n\r]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
}

function downloadCsv(button) {
  const table = chartPayload(button.dataset.chart).csv;
  const lines = [table.columns.map(csvCell).join(",")];
  for (const row of table.rows) lines.push(row.map(csvCell).join(","));
  const blob = new Blob([lines.join("\r\n") + "\r\n"], { type: "text/csv;charset=utf-8" });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = button.dataset.name;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

document.addEventListener("DOMContentLoaded", () => {
  for (const div of document.querySelectorAll("div.chart")) {
    const payload = chartPayload(div.dataset.chart);
    Plotly.newPlot(div, payload.figure.data, payload.figure.layout, {
      responsive: true,
      displaylogo: false,
      modeBarButtonsToRemove: ["sendDataToCloud"],
      toImageButtonOptions: { filename: div.id },
    });
  }
  for (const button of document.querySelectorAll("button.csv")) {
    button.addEventListener("click", () => downloadCsv(button));
  }
});

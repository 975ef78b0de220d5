import { createElement, render } from 'preact';
import { App } from './app/App.js';
import { startApp } from './app/app-state.js';

/** The entry: the shell's state starts once, and App renders it into #app. */
startApp();
render(createElement(App, {}), document.getElementById('app')!);

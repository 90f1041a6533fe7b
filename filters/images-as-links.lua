--[[
images-as-links.lua: an image in an answer becomes a link to it, labelled with its alt text.

qtconvert fetches nothing from the network and embeds no file from outside its own package,
so an image reference cannot be shown; its address stays available as a link.
Requires pandoc 2.17 or later. Sample: tests/images-as-links.md -> tests/images-as-links.html
]]

function Image(el)
  local label = pandoc.utils.stringify(el.caption)
  if label == '' then label = 'image' end
  return pandoc.Link({pandoc.Str('[' .. label .. ']')}, el.src, el.title)
end
